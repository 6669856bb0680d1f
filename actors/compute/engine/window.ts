/**
 * Window functions (the `window` plan node): reads the input arranged by the partition key
 * (shared), and for every partition whose rows changed at the current time evaluates the window
 * calls over the partition before and after the change (protocol/compute/window.ts) and emits
 * the difference. Cost per changed partition: a sort and a pass over the partition's rows, as
 * Materialize's window functions cost; an update that changes few outputs of a large partition
 * still pays for the whole partition (not yet the goal of cost per changed output).
 */
import type { OrderKey } from '../../../protocol/compute/plan.js';
import { evaluateWindow, type WindowCall } from '../../../protocol/compute/window.js';
import type { Row } from '../../../protocol/types.js';
import type { Arrangement } from './arrangement.js';
import { BaseNode, Delta, type StepContext } from './node.js';

export class WindowNode extends BaseNode {
  constructor(
    id: number,
    arity: number,
    private readonly inputId: number,
    private readonly arr: Arrangement,
    private readonly orderBy: OrderKey[],
    private readonly calls: WindowCall[],
  ) {
    super(id, arity);
  }

  step(ctx: StepContext): Delta | undefined {
    if (ctx.deltas[this.inputId] === undefined) return undefined;
    const out = new Delta();
    for (const g of this.arr.touched) {
      const diff = new Map<string, [Row, number]>();
      const add = (rows: Array<[Row, number]>, sign: number) => {
        for (const [row, n] of rows) {
          const k = JSON.stringify(row);
          const have = diff.get(k);
          if (have) have[1] += sign * n;
          else diff.set(k, [row, sign * n]);
        }
      };
      add(evaluateWindow(g.live(false), this.orderBy, this.calls), -1);
      add(evaluateWindow(g.live(true), this.orderBy, this.calls), 1);
      for (const [row, n] of diff.values()) if (n !== 0) out.push(row, n);
    }
    return out.length > 0 ? out : undefined;
  }
}
