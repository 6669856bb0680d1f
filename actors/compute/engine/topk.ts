/**
 * Top-k per group: reads the input arranged by the group key (shared), and for every group whose
 * rows changed at the current time ranks the group's rows before and after the change (order
 * keys, then the whole row) and emits the difference of the two selected ranges. Rows count with
 * their multiplicity; rows with a non-positive multiplicity are not ranked. Cost per changed
 * group is a sort of the group's rows.
 */
import { compileOrder } from '../../../protocol/compute/row.js';
import type { OrderKey } from '../../../protocol/compute/plan.js';
import type { Row } from '../../../protocol/types.js';
import type { Arrangement, KeyGroup } from './arrangement.js';
import { BaseNode, Delta, type StepContext } from './node.js';

export class TopKNode extends BaseNode {
  private readonly order: (a: Row, b: Row) => number;
  private readonly end: number;

  constructor(
    id: number,
    arity: number,
    private readonly inputId: number,
    private readonly arr: Arrangement,
    order: OrderKey[],
    private readonly offset: number,
    limit: number | undefined,
  ) {
    super(id, arity);
    this.order = compileOrder(order);
    this.end = limit === undefined ? Infinity : offset + limit;
  }

  step(ctx: StepContext): Delta | undefined {
    if (ctx.deltas[this.inputId] === undefined) return undefined;
    const out = new Delta();
    for (const g of this.arr.touched) {
      const before = this.select(g, false);
      const after = this.select(g, true);
      // Both lists are sorted by the same total order: merge them.
      let i = 0;
      let j = 0;
      while (i < before.length || j < after.length) {
        const c = i === before.length ? 1 : j === after.length ? -1 : this.order(before[i]![0], after[j]![0]);
        if (c < 0) {
          out.push(before[i]![0], -before[i]![1]);
          i++;
        } else if (c > 0) {
          out.push(after[j]![0], after[j]![1]);
          j++;
        } else {
          const d = after[j]![1] - before[i]![1];
          if (d !== 0) out.push(after[j]![0], d);
          i++;
          j++;
        }
      }
    }
    return out.length > 0 ? out : undefined;
  }

  /** The group's selected rows (sorted) with their multiplicities in the selected range. */
  private select(g: KeyGroup, after: boolean): Array<[Row, number]> {
    const live = g.live(after);
    live.sort((a, b) => this.order(a[0], b[0]));
    const out: Array<[Row, number]> = [];
    let pos = 0;
    for (const [row, c] of live) {
      const from = Math.max(pos, this.offset);
      const to = Math.min(pos + c, this.end);
      if (to > from) out.push([row, to - from]);
      pos += c;
      if (pos >= this.end) break;
    }
    return out;
  }
}
