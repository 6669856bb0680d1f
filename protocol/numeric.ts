/**
 * Exact decimal arithmetic for SQL `numeric`, shared by the planner (literals, casts), COMPUTE
 * (the `*_numeric` scalar functions and the sum / avg accumulators) and the front ends (input).
 *
 * A numeric value travels as a JS number and means the decimal that is that number's shortest
 * form (`String(x)`): 0.1 is exactly one tenth. Every decimal of up to 15 significant digits is
 * such a form, and longer ones are when a double has them as its shortest form. Arithmetic is
 * done on the decimals, in BigInt, never on the binary doubles:
 * - `+ - *`, `%`, sums and rounding are exact. A result that no double has as its shortest form
 *   (it needs more digits than definite's numeric holds) is reported, never rounded: the callers
 *   raise 22003 "numeric value out of range" (docs/sql.md, "Numbers").
 * - `/` and averages are rounded as Postgres rounds them (to at least 16 significant digits),
 *   then read as the nearest double.
 */

/** `mant * 10^-scale`, with `scale >= 0`. */
export interface Decimal {
  mant: bigint;
  scale: number;
}

const TEN = 10n;
const POW10: bigint[] = [1n];
function pow10(n: number): bigint {
  while (POW10.length <= n) POW10.push(POW10[POW10.length - 1]! * TEN);
  return POW10[n]!;
}

/** Reads decimal text `[+-]digits[.digits][e[+-]digits]` exactly, or undefined when it is not one. */
export function parseDecimal(text: string): Decimal | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return undefined;
  const [, sign, int, frac = '', exp] = m;
  let scale = frac.length - (exp === undefined ? 0 : Number(exp));
  if (!Number.isSafeInteger(scale) || Math.abs(scale) > 100_000) return undefined;
  let mant = BigInt(int! + frac || '0');
  if (sign === '-') mant = -mant;
  if (scale < 0) {
    mant *= pow10(-scale);
    scale = 0;
  }
  return normalize({ mant, scale });
}

/** The decimal a numeric value means (its shortest form). `x` must be finite. */
export function decimalOf(x: number): Decimal {
  if (Number.isSafeInteger(x)) return { mant: BigInt(x), scale: 0 };
  return parseDecimal(String(x))!;
}

/** Without trailing zeros after the point. */
function normalize(d: Decimal): Decimal {
  let { mant, scale } = d;
  if (mant === 0n) return { mant, scale: 0 };
  while (scale > 0 && mant % TEN === 0n) {
    mant /= TEN;
    scale--;
  }
  return { mant, scale };
}

/** Plain digits, never an exponent: `-12.5`, `0.001`, `1000000000000000000000`. */
export function decimalText(d: Decimal): string {
  const negative = d.mant < 0n;
  let digits = (negative ? -d.mant : d.mant).toString();
  if (d.scale > 0) {
    if (digits.length <= d.scale) digits = '0'.repeat(d.scale - digits.length + 1) + digits;
    digits = digits.slice(0, digits.length - d.scale) + '.' + digits.slice(digits.length - d.scale);
  }
  return (negative ? '-' : '') + digits;
}

/**
 * The numeric value of `d`: the number whose shortest form is `d`, or, when no double has that
 * form, the decimal's text (the caller reports it as out of range).
 */
export function numericOf(d: Decimal): number | string {
  const n = normalize(d);
  if (n.scale === 0 && n.mant >= -9007199254740991n && n.mant <= 9007199254740991n) return Number(n.mant) + 0;
  const text = decimalText(n);
  const x = Number(text);
  if (!Number.isFinite(x)) return text;
  const back = decimalOf(x);
  return back.mant === n.mant && back.scale === n.scale ? x + 0 : text;
}

function aligned(a: Decimal, b: Decimal): [bigint, bigint, number] {
  if (a.scale === b.scale) return [a.mant, b.mant, a.scale];
  if (a.scale > b.scale) return [a.mant, b.mant * pow10(a.scale - b.scale), a.scale];
  return [a.mant * pow10(b.scale - a.scale), b.mant, b.scale];
}

export function addNumeric(x: number, y: number): number | string {
  const r = x + y;
  if (Number.isSafeInteger(x) && Number.isSafeInteger(y) && Number.isSafeInteger(r)) return r + 0;
  const [a, b, scale] = aligned(decimalOf(x), decimalOf(y));
  return numericOf({ mant: a + b, scale });
}

export function subNumeric(x: number, y: number): number | string {
  return addNumeric(x, -y);
}

export function mulNumeric(x: number, y: number): number | string {
  const r = x * y;
  if (Number.isSafeInteger(x) && Number.isSafeInteger(y) && Number.isSafeInteger(r)) return r + 0;
  const a = decimalOf(x);
  const b = decimalOf(y);
  return numericOf({ mant: a.mant * b.mant, scale: a.scale + b.scale });
}

/** Postgres' base-10000 weight and first base-10000 digit of a non-zero decimal. */
function pgWeight(d: Decimal): [number, bigint] {
  const abs = d.mant < 0n ? -d.mant : d.mant;
  const e10 = abs.toString().length - 1 - d.scale;
  const weight = Math.floor(e10 / 4);
  const shift = d.scale + 4 * weight;
  return [weight, shift >= 0 ? abs / pow10(shift) : abs * pow10(-shift)];
}

/**
 * `a / b` (b non-zero) as Postgres computes it: rounded half away from zero to the scale
 * Postgres' select_div_scale picks (at least 16 significant digits, and no less than either
 * input's scale), then read as the nearest double.
 */
export function divDecimal(a: Decimal, b: Decimal): number {
  if (a.mant === 0n) return 0;
  const [w1, f1] = pgWeight(a);
  const [w2, f2] = pgWeight(b);
  const qweight = w1 - w2 - (f1 <= f2 ? 1 : 0);
  const rscale = Math.min(1000, Math.max(16 - qweight * 4, a.scale, b.scale, 0));
  const num = a.mant * pow10(b.scale + rscale);
  const den = b.mant * pow10(a.scale);
  let q = num / den;
  const rem = num - q * den;
  const absRem = rem < 0n ? -rem : rem;
  const absDen = den < 0n ? -den : den;
  if (absRem * 2n >= absDen) q += (num < 0n) !== (den < 0n) ? -1n : 1n;
  return Number(decimalText({ mant: q, scale: rscale })) + 0;
}

export function divNumeric(x: number, y: number): number {
  return divDecimal(decimalOf(x), decimalOf(y));
}

/** `x % y` (y non-zero), exact, with the sign of the dividend as in Postgres. */
export function modNumeric(x: number, y: number): number | string {
  const [a, b, scale] = aligned(decimalOf(x), decimalOf(y));
  return numericOf({ mant: a % b, scale });
}

/** `d` rounded half away from zero to `scale` digits after the point (negative: before it). */
export function roundDecimal(d: Decimal, scale: number): Decimal {
  if (d.scale <= scale) return d;
  const drop = pow10(d.scale - scale);
  const negative = d.mant < 0n;
  const abs = negative ? -d.mant : d.mant;
  let q = abs / drop;
  if ((abs % drop) * 2n >= drop) q += 1n;
  if (scale >= 0) return { mant: negative ? -q : q, scale };
  return { mant: (negative ? -q : q) * pow10(-scale), scale: 0 };
}

/** A float8 as numeric, as Postgres converts it: rounded to 15 significant digits. */
export function numericOfFloat(x: number): number {
  return Number(x.toPrecision(15)) + 0;
}

/** The outcome of fitting a value to `numeric(precision, scale)`. */
export type Fitted = { ok: true; value: number | string } | { ok: false; message: string; detail: string };

/**
 * `x` rounded to `scale` and checked against `precision`, as Postgres' numeric typmod: a value
 * whose rounded magnitude reaches 10^(precision - scale) is "numeric field overflow".
 */
export function fitNumeric(x: number, precision: number, scale: number): Fitted {
  const r = roundDecimal(decimalOf(x), scale);
  const abs = r.mant < 0n ? -r.mant : r.mant;
  // |r| = abs / 10^r.scale must stay below 10^(precision - scale).
  const e = precision - scale + r.scale;
  if (abs !== 0n && (e <= 0 || abs >= pow10(e))) {
    const max = precision - scale;
    return {
      ok: false,
      message: 'numeric field overflow',
      detail: `A field with precision ${precision}, scale ${scale} must round to an absolute value less than ${max === 0 ? '1' : `10^${max}`}.`,
    };
  }
  return { ok: true, value: numericOf(r) };
}

/** The message for a numeric result definite cannot hold. */
export function numericOutOfRange(text: string): string {
  const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').length;
  return `numeric value out of range: ${text.length > 60 ? text.slice(0, 57) + '...' : text} needs ${digits} significant digits; definite's numeric holds 15`;
}

/**
 * An exact sum of numeric values with signed multiplicities (sum and avg of numeric, int and
 * bigint). Integers add as numbers while they stay safe; the rest as a BigInt scaled by the
 * largest scale seen, so the sum depends only on the multiset, never on the order of updates.
 */
export class DecimalSum {
  private small = 0;
  private big = 0n;
  private scale = 0;

  add(x: number, times: number): void {
    if (Number.isSafeInteger(x)) {
      const p = x * times;
      const s = this.small + p;
      if (Number.isSafeInteger(p) && Number.isSafeInteger(s)) {
        this.small = s;
        return;
      }
      this.big += BigInt(x) * BigInt(times) * pow10(this.scale);
      return;
    }
    const d = decimalOf(x);
    if (d.scale > this.scale) {
      this.big *= pow10(d.scale - this.scale);
      this.scale = d.scale;
    }
    this.big += d.mant * BigInt(times) * pow10(this.scale - d.scale);
  }

  isZero(): boolean {
    return this.small === 0 && this.big === 0n;
  }

  decimal(): Decimal {
    return { mant: this.big + BigInt(this.small) * pow10(this.scale), scale: this.scale };
  }

  /** The exact sum (text when definite's numeric cannot hold it). */
  value(): number | string {
    if (this.big === 0n) return this.small + 0;
    return numericOf(this.decimal());
  }

  /** The sum divided by `n`, rounded once to the nearest double. */
  average(n: number): number {
    return divDecimal(this.decimal(), { mant: BigInt(n), scale: 0 });
  }
}
