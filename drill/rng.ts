/**
 * The drill's seeded choices, on top of the runtime's mulberry32 (runtime/random.ts): the same
 * seed gives the same sequence, so the same seed replays the same actions with the same arguments.
 */
import { SeededRandom } from '../runtime/random.js';

export class Rng {
  private readonly random: SeededRandom;

  constructor(seed: number) {
    this.random = new SeededRandom(seed);
  }

  /** A float in [0, 1). */
  next(): number {
    return this.random.next();
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + this.random.int(hi - lo + 1);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.random.int(items.length)]!;
  }

  /** Picks by weight (weights > 0). */
  weighted<T>(items: readonly { item: T; weight: number }[]): T {
    const total = items.reduce((s, x) => s + x.weight, 0);
    let r = this.next() * total;
    for (const x of items) {
      r -= x.weight;
      if (r < 0) return x.item;
    }
    return items[items.length - 1]!.item;
  }
}
