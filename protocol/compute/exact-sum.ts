/**
 * An exact sum of numbers with signed multiplicities, for `sum` and `avg`. Floating-point addition
 * is not associative, so a sum maintained incrementally (insert 0.1, retract 0.1, ...) would drift
 * from a recomputation and differ between two replicas that saw the same data in another order.
 * This accumulator is exact: integers add as numbers while they stay safe, anything else adds as a
 * BigInt fixed-point value scaled by the smallest power of two seen. `value()` is the exact sum
 * rounded once to the nearest double, so it depends only on the multiset summed, never on history.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Splits a finite non-integer double into `mantissa * 2^exponent` with an odd mantissa. */
function decompose(v: number): [bigint, number] {
  f64[0] = Math.abs(v);
  const hi = u32[1]!;
  const lo = u32[0]!;
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  while (mant !== 0n && (mant & 1n) === 0n) {
    mant >>= 1n;
    exp++;
  }
  return [v < 0 ? -mant : mant, exp];
}

export class ExactSum {
  /** The integer part accumulated while every term and partial sum are safe integers. */
  private small = 0;
  /** The rest: big * 2^exp, exp <= 0. */
  private big = 0n;
  private exp = 0;

  /** Adds `v * times` (times: a non-zero integer multiplicity). */
  add(v: number, times: number): void {
    if (Number.isInteger(v)) {
      const p = v * times;
      if (Number.isSafeInteger(p)) {
        const s = this.small + p;
        if (Number.isSafeInteger(s)) {
          this.small = s;
          return;
        }
      }
      this.big += (BigInt(v) * BigInt(times)) << BigInt(-this.exp);
      return;
    }
    const [mant, e] = decompose(v);
    if (e < this.exp) {
      this.big <<= BigInt(this.exp - e);
      this.exp = e;
    }
    this.big += (mant * BigInt(times)) << BigInt(e - this.exp);
  }

  /** True when the sum is exactly zero. */
  isZero(): boolean {
    return this.small === 0 && this.big === 0n;
  }

  /** An independent copy (the window operator keeps one per row of a running sum). */
  clone(): ExactSum {
    const c = new ExactSum();
    c.small = this.small;
    c.big = this.big;
    c.exp = this.exp;
    return c;
  }

  /** True when both sums are exactly equal (whatever their internal scale). */
  equals(o: ExactSum): boolean {
    const e = Math.min(this.exp, o.exp);
    const a = (this.big << BigInt(this.exp - e)) + (BigInt(this.small) << BigInt(-e));
    const b = (o.big << BigInt(o.exp - e)) + (BigInt(o.small) << BigInt(-e));
    return a === b;
  }

  /** The exact sum divided by `n` (avg of floats: the rounded sum, divided). */
  average(n: number): number {
    return this.value() / n;
  }

  /** The exact sum, rounded to the nearest double. */
  value(): number {
    if (this.big === 0n) return this.small + 0;
    let total = this.big + (BigInt(this.small) << BigInt(-this.exp));
    if (total === 0n) return 0;
    let e = this.exp;
    const negative = total < 0n;
    if (negative) total = -total;
    const bits = total.toString(2).length;
    if (bits > 64) {
      // Keep 64 bits and a sticky bit, so the conversion to a double rounds correctly.
      const s = bits - 64;
      const kept = total >> BigInt(s);
      const sticky = kept << BigInt(s) !== total ? 1n : 0n;
      total = kept | sticky;
      e += s;
    }
    let r = Number(total);
    while (e < -1000) {
      r *= 2 ** -1000;
      e += 1000;
    }
    r *= 2 ** e;
    return negative ? -r : r + 0;
  }
}
