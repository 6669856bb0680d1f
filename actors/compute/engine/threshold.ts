/**
 * distinct and threshold: each output row's multiplicity is a function of the same row's input
 * multiplicity (distinct: 1 if positive; threshold: itself if positive). Both read the input
 * arranged by the whole row (shared with any other operator that needs it), and at each time
 * emit f(new) - f(old) for the rows that changed.
 */
import type { Arrangement } from './arrangement.js';
import { BaseNode, Delta, type StepContext } from './node.js';

export class ThresholdNode extends BaseNode {
  /**
   * @param arr the input arranged by all its columns
   * @param distinct true for distinct, false for threshold
   */
  constructor(
    id: number,
    arity: number,
    private readonly inputId: number,
    private readonly arr: Arrangement,
    private readonly distinct: boolean,
  ) {
    super(id, arity);
  }

  step(ctx: StepContext): Delta | undefined {
    if (ctx.deltas[this.inputId] === undefined) return undefined;
    const out = new Delta();
    const f = this.distinct ? (c: number) => (c > 0 ? 1 : 0) : (c: number) => (c > 0 ? c : 0);
    for (const g of this.arr.touched) {
      if (g.rows.length === 1) {
        const d = f(g.newCount(0)) - f(g.counts[0]!);
        if (d !== 0) out.push(g.rows[0]!, d);
        continue;
      }
      // Rows of one value (numerics 1.5 and 1.50, protocol/numeric.ts) share a key group: the
      // group's total counts, shown as its first row with a positive multiplicity.
      let oldRep = -1;
      let newRep = -1;
      let oldTotal = 0;
      let newTotal = 0;
      for (let i = 0; i < g.rows.length; i++) {
        const o = g.counts[i]!;
        const n = g.newCount(i);
        oldTotal += o;
        newTotal += n;
        if (oldRep < 0 && o > 0) oldRep = i;
        if (newRep < 0 && n > 0) newRep = i;
      }
      const before = oldRep < 0 ? 0 : f(oldTotal);
      const after = newRep < 0 ? 0 : f(newTotal);
      if (oldRep === newRep) {
        if (after !== before) out.push(g.rows[newRep]!, after - before);
      } else {
        if (before !== 0) out.push(g.rows[oldRep]!, -before);
        if (after !== 0) out.push(g.rows[newRep]!, after);
      }
    }
    return out.length > 0 ? out : undefined;
  }
}
