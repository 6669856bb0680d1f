/**
 * Exact decimal arithmetic for SQL `numeric`, shared by the planner (literals, casts), COMPUTE
 * (the `*_numeric` scalar functions and the sum / avg accumulators), STORAGE (validation) and the
 * front ends (input, output).
 *
 * A numeric value is a decimal with a display scale (Postgres' dscale: the digits it prints after
 * the point, `1.50` has scale 2), up to 131072 digits before the point and 16383 after, as
 * Postgres. It travels in one of two forms, and each (decimal, scale) has exactly one of them:
 * - a JS number when the decimal is that number's shortest form (`String(x)`) and the scale is
 *   the decimal's own (no trailing zeros after the point): `1.5`, `42`, `0.001`. Integers and the
 *   short decimals most data has stay numbers, so int and float paths and most numeric work never
 *   see anything else, and an int is a numeric as it is;
 * - otherwise a string: NUL (`\u0000`, which no SQL text holds) then the decimal's plain digits
 *   with exactly `scale` digits after the point: `"\u00001.50"`, `"\u000012345678901234567890.123"`.
 * Both forms survive msgpack, LevelDB and NATS unchanged. Equal decimals of different scales
 * (1.5, 1.50) are different values to `===` (rows keep what was stored, so a DELETE retracts
 * exactly the stored row), but SQL sees them as equal: `compareValues` orders tagged strings by
 * their decimal, `hashValue` hashes every numeric by its value with trailing zeros dropped, and
 * `keyMatches` (group, join and distinct keys) compares numerics by value (protocol/row-hash.ts).
 *
 * Result scales follow Postgres (src/backend/utils/adt/numeric.c): `+ -` and `%` the larger
 * input scale, `*` the sum of the scales, `/` select_div_scale (at least 16 significant digits,
 * no less than either input's scale, at most 1000), round(x, n) n, sum the largest scale, avg the
 * sum divided by the count. Results past the digit limits are reported (the callers raise 22003).
 */

/** `mant * 10^-scale`, with `scale >= 0` (the display scale). */
export interface Decimal {
  mant: bigint;
  scale: number;
}

/** A numeric value: a number (a decimal that is its own shortest form) or a tagged string. */
export type NumericValue = number | string;

/** The first character of a numeric value carried as a string. */
export const NUMERIC_TAG = '\u0000';

/** Postgres' limits: digits before the point, display scale, and division's result scale. */
export const MAX_INTEGER_DIGITS = 131072;
export const MAX_SCALE = 16383;
const MAX_DIV_SCALE = 1000;

const TEN = 10n;
const POW10: bigint[] = [1n];
export function pow10(n: number): bigint {
  if (n > 4096) return TEN ** BigInt(n);
  while (POW10.length <= n) POW10.push(POW10[POW10.length - 1]! * TEN);
  return POW10[n]!;
}

/** Whether `v` is a numeric value carried as a (tagged) string. */
export function isNumericString(v: unknown): boolean {
  return typeof v === 'string' && v.charCodeAt(0) === 0;
}

/** Whether `v` is a valid numeric carried as a string: tagged, within the limits, in its one form. */
export function isNumericValue(v: unknown): boolean {
  if (typeof v !== 'string' || v.charCodeAt(0) !== 0 || !/^\u0000-?\d+(\.\d+)?$/.test(v)) return false;
  const d = parseDecimal(v.slice(1));
  return d !== undefined && decimalFits(d) && numericValue(d) === v;
}

/**
 * Reads decimal text `[+-]digits[.digits][e[+-]digits]` exactly, with Postgres' display scale
 * (the digits after the point less the exponent, at least 0), or undefined when it is not one.
 */
export function parseDecimal(text: string): Decimal | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return undefined;
  const [, sign, int, frac = '', exp] = m;
  let scale = frac.length - (exp === undefined ? 0 : Number(exp));
  if (!Number.isSafeInteger(scale) || Math.abs(scale) > 200_000) return undefined;
  let mant = BigInt(int! + frac || '0');
  if (sign === '-') mant = -mant;
  if (scale < 0) {
    mant *= pow10(-scale);
    scale = 0;
  }
  return { mant, scale };
}

/** The decimal a number means (its shortest form, at its own scale). `x` must be finite. */
export function decimalOf(x: number): Decimal {
  if (Number.isSafeInteger(x)) return { mant: BigInt(x), scale: 0 };
  return parseDecimal(String(x))!;
}

/** The decimal and display scale of a numeric value (a number, or a tagged string). */
export function decimalOfValue(v: NumericValue): Decimal {
  if (typeof v === 'number') return decimalOf(v);
  return parseDecimal(v.slice(1))!;
}

/** Without trailing zeros after the point. */
export function normalize(d: Decimal): Decimal {
  let { mant, scale } = d;
  if (mant === 0n) return { mant, scale: 0 };
  while (scale > 0 && mant % TEN === 0n) {
    mant /= TEN;
    scale--;
  }
  return { mant, scale };
}

/** Plain digits with exactly `scale` after the point, never an exponent: `-12.50`, `0.001`. */
export function decimalText(d: Decimal): string {
  const negative = d.mant < 0n;
  let digits = (negative ? -d.mant : d.mant).toString();
  if (d.scale > 0) {
    if (digits.length <= d.scale) digits = '0'.repeat(d.scale - digits.length + 1) + digits;
    digits = digits.slice(0, digits.length - d.scale) + '.' + digits.slice(digits.length - d.scale);
  }
  return (negative ? '-' : '') + digits;
}

/** Whether `d` is within Postgres' numeric limits. */
export function decimalFits(d: Decimal): boolean {
  if (d.scale > MAX_SCALE) return false;
  const abs = d.mant < 0n ? -d.mant : d.mant;
  if (abs < 10n ** 15n) return true;
  return abs.toString().length - d.scale <= MAX_INTEGER_DIGITS;
}

/** The one value of `d` (see the header): a number when `d` is a double's shortest form at its own scale. */
export function numericValue(d: Decimal): NumericValue {
  const { mant, scale } = d;
  if (scale === 0) {
    if (mant >= -9007199254740991n && mant <= 9007199254740991n) return Number(mant) + 0;
  } else if (mant === 0n || mant % TEN === 0n) {
    return NUMERIC_TAG + decimalText(d);
  }
  const text = decimalText(d);
  // A double's shortest form has at most 17 significant digits.
  if ((mant < 0n ? -mant : mant) < 100000000000000000n || scale === 0) {
    const x = Number(text);
    if (Number.isFinite(x)) {
      const back = decimalOf(x);
      if (back.mant === mant && back.scale === scale) return x + 0;
    }
  }
  return NUMERIC_TAG + text;
}

/** The text Postgres prints for a numeric value: plain digits, `scale` of them after the point. */
export function numericText(v: NumericValue): string {
  if (typeof v === 'string') return v.slice(1);
  if (Number.isSafeInteger(v)) return String(v + 0);
  const s = String(v);
  return s.includes('e') ? decimalText(decimalOf(v)) : s;
}

/** A numeric value as the nearest double. */
export function numericToFloat(v: NumericValue): number {
  return typeof v === 'number' ? v : Number(v.slice(1));
}

/**
 * A value that identifies a numeric by its decimal alone (1.5 and 1.50 alike): the number, or
 * the tagged string without trailing zeros (a number when that is one).
 */
export function numericIdentity(v: string): NumericValue {
  return numericValue(normalize(decimalOfValue(v)));
}

/** Order of two numeric values by their decimals (scales do not matter: 1.5 = 1.50). */
export function compareNumeric(a: NumericValue, b: NumericValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  const x = numericToFloat(a);
  const y = numericToFloat(b);
  // Doubles decide unless they are close enough to be rounded alike.
  if (x < y && y - x > Math.abs(y) * 1e-12) return -1;
  if (x > y && x - y > Math.abs(x) * 1e-12) return 1;
  const [m, n] = aligned(decimalOfValue(a), decimalOfValue(b));
  return m === n ? 0 : m < n ? -1 : 1;
}

function aligned(a: Decimal, b: Decimal): [bigint, bigint, number] {
  if (a.scale === b.scale) return [a.mant, b.mant, a.scale];
  if (a.scale > b.scale) return [a.mant, b.mant * pow10(a.scale - b.scale), a.scale];
  return [a.mant * pow10(b.scale - a.scale), b.mant, b.scale];
}

/** `a + b` at the larger scale. */
export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = aligned(a, b);
  return { mant: x + y, scale };
}

/** `a - b` at the larger scale. */
export function subDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = aligned(a, b);
  return { mant: x - y, scale };
}

/** `a * b` at the sum of the scales. */
export function mulDecimal(a: Decimal, b: Decimal): Decimal {
  return { mant: a.mant * b.mant, scale: a.scale + b.scale };
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
 * select_div_scale picks (at least 16 significant digits, no less than either input's scale,
 * at most 1000), at that scale.
 */
export function divDecimal(a: Decimal, b: Decimal): Decimal {
  let rscale: number;
  if (a.mant === 0n) rscale = Math.min(MAX_DIV_SCALE, Math.max(16, a.scale, b.scale));
  else {
    const [w1, f1] = pgWeight(a);
    const [w2, f2] = pgWeight(b);
    const qweight = w1 - w2 - (f1 <= f2 ? 1 : 0);
    rscale = Math.min(MAX_DIV_SCALE, Math.max(16 - qweight * 4, a.scale, b.scale, 0));
  }
  return { mant: divRound(a.mant * pow10(b.scale + rscale), b.mant * pow10(a.scale)), scale: rscale };
}

/** `num / den` rounded half away from zero. */
function divRound(num: bigint, den: bigint): bigint {
  let q = num / den;
  const rem = num - q * den;
  const absRem = rem < 0n ? -rem : rem;
  const absDen = den < 0n ? -den : den;
  if (absRem * 2n >= absDen) q += (num < 0n) !== (den < 0n) ? -1n : 1n;
  return q;
}

/** `a % b` (b non-zero), exact, with the sign of the dividend, at the larger scale (Postgres). */
export function modDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = aligned(a, b);
  return { mant: x % y, scale };
}

/**
 * `d` rounded half away from zero to `scale` digits after the point (negative: before it), at
 * display scale `max(scale, 0)`, as Postgres' round(numeric, int) and numeric(p, s).
 */
export function roundDecimal(d: Decimal, scale: number): Decimal {
  const target = Math.max(scale, 0);
  if (d.scale <= scale) return { mant: d.mant * pow10(target - d.scale), scale: target };
  const drop = pow10(d.scale - scale);
  const negative = d.mant < 0n;
  const abs = negative ? -d.mant : d.mant;
  let q = abs / drop;
  if ((abs % drop) * 2n >= drop) q += 1n;
  if (negative) q = -q;
  return scale >= 0 ? { mant: q, scale } : { mant: q * pow10(-scale), scale: 0 };
}

/** `d` truncated toward zero to `scale` digits after the point, at display scale `max(scale, 0)`. */
export function truncDecimal(d: Decimal, scale: number): Decimal {
  const target = Math.max(scale, 0);
  if (d.scale <= scale) return { mant: d.mant * pow10(target - d.scale), scale: target };
  const q = d.mant / pow10(d.scale - scale);
  return scale >= 0 ? { mant: q, scale } : { mant: q * pow10(-scale), scale: 0 };
}

/** floor / ceil: the integer at or below / above `d` (scale 0). */
export function floorDecimal(d: Decimal, ceil: boolean): Decimal {
  if (d.scale === 0) return d;
  const p = pow10(d.scale);
  let q = d.mant / p;
  const r = d.mant - q * p;
  if (r !== 0n && (ceil ? r > 0n : r < 0n)) q += ceil ? 1n : -1n;
  return { mant: q, scale: 0 };
}

/** A float8 as numeric, as Postgres converts it: rounded to 15 significant digits. */
export function numericOfFloat(x: number): NumericValue {
  return numericValue(normalize(parseDecimal(x.toPrecision(15))!));
}

/** The outcome of fitting a value to `numeric(precision, scale)`. */
export type Fitted = { ok: true; value: NumericValue } | { ok: false; message: string; detail: string };

/**
 * `v` rounded to `scale` and checked against `precision`, as Postgres' numeric typmod: a value
 * whose rounded magnitude reaches 10^(precision - scale) is "numeric field overflow".
 */
export function fitNumeric(v: NumericValue, precision: number, scale: number): Fitted {
  const r = roundDecimal(decimalOfValue(v), scale);
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
  return { ok: true, value: numericValue(r) };
}

/** The message for a numeric result past Postgres' limits. */
export function numericOutOfRange(): string {
  return 'value overflows numeric format';
}

/**
 * An exact sum of numeric values with signed multiplicities (sum and avg of numeric, int and
 * bigint). Integers add as numbers while they stay safe; the rest as a BigInt at the largest
 * scale seen. The sum's display scale is the largest scale among the values present (counted per
 * scale, so retracting the only 1.500 brings it back down), and the sum depends only on the
 * multiset, never on the order of updates.
 */
export class DecimalSum {
  private small = 0;
  private big = 0n;
  private scale = 0;
  /** Net multiplicity of the values of each scale > 0 (index = scale). */
  private scales: number[] = [];

  add(x: NumericValue, times: number): void {
    if (typeof x === 'number' && Number.isSafeInteger(x)) {
      const p = x * times;
      const s = this.small + p;
      if (Number.isSafeInteger(p) && Number.isSafeInteger(s)) {
        this.small = s;
        return;
      }
      this.big += BigInt(x) * BigInt(times) * pow10(this.scale);
      return;
    }
    const d = decimalOfValue(x);
    if (d.scale > 0) {
      while (this.scales.length <= d.scale) this.scales.push(0);
      this.scales[d.scale]! += times;
    }
    if (d.scale > this.scale) {
      this.big *= pow10(d.scale - this.scale);
      this.scale = d.scale;
    }
    this.big += d.mant * BigInt(times) * pow10(this.scale - d.scale);
  }

  isZero(): boolean {
    return this.small === 0 && this.big === 0n;
  }

  /** An independent copy (the window operator keeps one per row of a running sum). */
  clone(): DecimalSum {
    const c = new DecimalSum();
    c.small = this.small;
    c.big = this.big;
    c.scale = this.scale;
    c.scales = [...this.scales];
    return c;
  }

  /** True when both sums are exactly equal at the same display scale (so equal from then on when only added to). */
  equals(o: DecimalSum): boolean {
    const a = this.decimal();
    const b = o.decimal();
    return a.mant === b.mant && a.scale === b.scale;
  }

  /** The display scale: the largest scale with values present. */
  private displayScale(): number {
    for (let s = this.scales.length - 1; s > 0; s--) if (this.scales[s] !== 0) return s;
    return 0;
  }

  /** The exact sum at its display scale. */
  decimal(): Decimal {
    const exact = this.big + BigInt(this.small) * pow10(this.scale);
    const display = this.displayScale();
    // Digits past the display scale are zeros (every value present has at most that many).
    return display === this.scale ? { mant: exact, scale: display } : { mant: exact / pow10(this.scale - display), scale: display };
  }

  /** The exact sum at the largest scale of the values present. */
  value(): NumericValue {
    if (this.big === 0n && this.scale === 0) return this.small + 0;
    return numericValue(this.decimal());
  }

  /** The sum divided by `n`, as Postgres' numeric avg (numeric division's scale). */
  average(n: number): NumericValue {
    return numericValue(divDecimal(this.decimal(), { mant: BigInt(n), scale: 0 }));
  }
}
