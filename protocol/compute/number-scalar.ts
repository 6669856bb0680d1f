/**
 * Scalar functions of numbers that Postgres has beside plain arithmetic (issue #18), merged into
 * scalar.ts' tables, all strict (NULL in, NULL out):
 * - neg_float [1]: `-x` of a float8 or float4, -0 kept (`-0.0::float8` prints -0, as Postgres);
 * - float4 (`real`, a double that is a single-precision value): to_real [1] (a number, numeric or
 *   text rounded to single precision; 22003 on overflow or underflow, as Postgres), real_to_numeric
 *   [1] (6 significant digits, FLT_DIG, as Postgres), real_text / float_text [1] (shortest
 *   round-trip digits, protocol/float-text.ts);
 * - integer bit operators on int2 / int4 / int8: bit_and / bit_or / bit_xor [2], bit_not [1],
 *   shift_left / shift_right [3] (value, count, width in bits): the count taken modulo 32 (64 for
 *   int8) and the result wrapped to the width, as Postgres' C operators do on x86-64;
 * - log_numeric [2] (base, x): the numeric logarithm at Postgres' result scale (log_var).
 */
import { bigOfInt, intValue } from '../int-range.js';
import { float4Text, float8Text } from '../float-text.js';
import { decimalFits, decimalOfValue, isNumericString, numericOutOfRange, numericToFloat, numericValue, normalize, parseDecimal, pow10, type Decimal, type NumericValue } from '../numeric.js';
import type { Value } from '../types.js';

type Fail = (message: string) => never;

export const NUMBER_ARITY = {
  neg_float: [1, 1], to_real: [1, 1], real_to_numeric: [1, 1], real_text: [1, 1], float_text: [1, 1],
  bit_and: [2, 2], bit_or: [2, 2], bit_xor: [2, 2], bit_not: [1, 1], shift_left: [3, 3], shift_right: [3, 3],
  log_numeric: [2, 2],
} as const;
export type NumberFunction = keyof typeof NUMBER_ARITY;
export const NUMBER_FUNCTIONS = Object.keys(NUMBER_ARITY) as NumberFunction[];

const FLT_MAX = 3.4028234663852886e38;

/** ln(x) of a positive decimal in fixed point with `digits` decimal places (BigInt). */
function lnFixed(x: Decimal, digits: number): bigint {
  const one = pow10(digits);
  // x as a fixed-point number, then x = m * 2^k with m in [0.5, 1.5)
  let m = (x.mant * one) / pow10(x.scale);
  let k = 0n;
  const half = one / 2n;
  const threeHalves = (3n * one) / 2n;
  while (m >= threeHalves) { m /= 2n; k++; }
  while (m < half) { m *= 2n; k--; }
  // ln(m) = 2 atanh(z), z = (m - 1) / (m + 1), |z| <= 1/5
  const atanh2 = (num: bigint, den: bigint): bigint => {
    const z = (num * one) / den;
    const z2 = (z * z) / one;
    let term = z;
    let sum = 0n;
    for (let n = 1n; term !== 0n; n += 2n) {
      sum += term / n;
      term = (term * z2) / one;
    }
    return 2n * sum;
  };
  const ln2 = atanh2(one, 3n * one); // ln 2 = 2 atanh(1/3)
  return atanh2(m - one, m + one) + k * ln2;
}

/** Postgres' log(base, num) for numerics: rounded to its log_var result scale. */
function logNumeric(base: Decimal, num: Decimal, fail: Fail): NumericValue {
  const sign = (d: Decimal) => (d.mant > 0n ? 1 : d.mant < 0n ? -1 : 0);
  if (sign(base) === 0 || sign(num) === 0) fail('cannot take logarithm of zero');
  if (sign(base) < 0 || sign(num) < 0) fail('cannot take logarithm of a negative number');
  // estimate_ln_dweight: the decimal weight of ln(x): near 1 that of x - 1, else of a double
  // estimate, truncated toward zero as Postgres' (int) cast does.
  const lnWeight = (d: Decimal): number => {
    const x = numericToFloat(numericValue(d));
    if (x >= 0.9 && x <= 1.1) {
      const near = normalize({ mant: d.mant - pow10(d.scale), scale: d.scale });
      if (near.mant === 0n) return 0;
      return (near.mant < 0n ? -near.mant : near.mant).toString().length - 1 - near.scale;
    }
    return Math.trunc(Math.log10(Math.abs(Math.log(x))));
  };
  const resultWeight = lnWeight(num) - lnWeight(base);
  const rscale = Math.min(Math.max(16 - resultWeight, base.scale, num.scale, 0), 1000);
  const guard = rscale + Math.max(0, resultWeight) + 20;
  const lb = lnFixed(base, guard);
  if (lb === 0n) fail('division by zero');
  const ln = lnFixed(num, guard);
  // ln / lb, rounded half away from zero to rscale places
  const scaled = ln * pow10(rscale) * 2n;
  let q = scaled / lb;
  q = q >= 0n ? (q + 1n) / 2n : (q - 1n) / 2n;
  const d = { mant: q, scale: rscale };
  if (!decimalFits(d)) fail(numericOutOfRange());
  return numericValue(d);
}

export function numberFunctions(fail: Fail): Record<NumberFunction, (args: Value[]) => Value> {
  const num = (fn: string, v: Value): number => (typeof v === 'number' ? v : isNumericString(v) ? numericToFloat(v as string) : fail(`${fn} expects a number, got ${typeof v}`));
  const big = (fn: string, v: Value): bigint => bigOfInt(v) ?? fail(`${fn} expects an integer, got ${String(v)}`);
  const real = (x: number): number => {
    if (Number.isNaN(x) || !Number.isFinite(x)) return x;
    if (Math.abs(x) > FLT_MAX) return fail('value out of range: overflow');
    const r = Math.fround(x);
    if (!Number.isFinite(r)) return fail('value out of range: overflow');
    if (r === 0 && x !== 0) return fail('value out of range: underflow');
    return r;
  };
  const shift = (left: boolean) => (args: Value[]): Value => {
    const bits = num('shift', args[2]!);
    const a = big('shift', args[0]!);
    const count = BigInt(Number(big('shift', args[1]!) & (bits === 64 ? 63n : 31n)));
    // int2 and int4 shift in C's 32-bit int, then int2 keeps its low 16 bits.
    const r = left ? BigInt.asIntN(bits === 64 ? 64 : 32, a << count) : a >> count;
    return intValue(BigInt.asIntN(bits, r));
  };
  return {
    neg_float: ([a]) => -num('neg_float', a!),
    to_real: ([a]) => {
      if (typeof a === 'string' && !isNumericString(a)) {
        const s = a.trim();
        const lower = s.toLowerCase();
        if (lower === 'nan') return NaN;
        if (/^[+-]?(inf|infinity)$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
        if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return fail(`invalid input syntax for type real: "${a}"`);
        const x = Number(s);
        const r = Math.fround(x);
        if (!Number.isFinite(r) || (r === 0 && /[1-9]/.test(s.replace(/e.*$/i, '')))) return fail(`"${a}" is out of range for type real`);
        return r;
      }
      return real(num('to_real', a!));
    },
    real_to_numeric: ([a]) => {
      const x = num('real_to_numeric', a!);
      if (!Number.isFinite(x)) return fail('cannot convert NaN or infinity to numeric');
      return numericValue(normalize(parseDecimal(x.toPrecision(6))!));
    },
    real_text: ([a]) => float4Text(num('real_text', a!)),
    float_text: ([a]) => float8Text(num('float_text', a!)),
    bit_and: ([a, b]) => intValue(big('&', a!) & big('&', b!)),
    bit_or: ([a, b]) => intValue(big('|', a!) | big('|', b!)),
    bit_xor: ([a, b]) => intValue(big('#', a!) ^ big('#', b!)),
    bit_not: ([a]) => intValue(~big('~', a!)),
    shift_left: shift(true),
    shift_right: shift(false),
    log_numeric: ([b, x]) => {
      const dec = (v: Value): Decimal => (typeof v === 'number' || isNumericString(v) ? decimalOfValue(v as NumericValue) : fail(`log expects a number, got ${typeof v}`));
      return logNumeric(dec(b!), dec(x!), fail);
    },
  };
}
