/**
 * The injectable random source: a seeded PRNG (mulberry32), so backoff jitter, chaos drills and
 * generators replay exactly from a seed. Not for cryptography.
 */

/** A source of random numbers in [0, 1). */
export interface Random {
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}

/** mulberry32: a small, fast 32-bit seeded generator. */
export class SeededRandom implements Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** A Random seeded from the environment (`DFN_SEED`) or from Math.random when unset. */
export function defaultRandom(): Random {
  const seed = process.env['DFN_SEED'];
  return new SeededRandom(seed !== undefined ? Number(seed) : Math.floor(Math.random() * 2 ** 32));
}
