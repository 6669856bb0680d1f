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
      for (let i = 0; i < g.rows.length; i++) {
        const d = f(g.newCount(i)) - f(g.counts[i]!);
        if (d !== 0) out.push(g.rows[i]!, d);
      }
    }
    return out.length > 0 ? out : undefined;
  }
}
