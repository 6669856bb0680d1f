/**
 * Source nodes: `get` (a dataflow input, whose changes the engine hands over time by time) and
 * `constant` (a fixed multiset that appears at the dataflow's asOf and never changes).
 */
import type { Row, Value } from '../../../protocol/types.js';
import { BaseNode, Delta, type StepContext } from './node.js';

/** A dataflow input; the engine sets `current` to the input's changes at the time processed. */
export class InputNode extends BaseNode {
  current: Delta | undefined;
  constructor(
    id: number,
    arity: number,
    readonly name: string,
  ) {
    super(id, arity);
  }
  step(): Delta | undefined {
    return this.current;
  }
}

/** A constant collection: all of it at asOf, nothing after. */
export class ConstantNode extends BaseNode {
  private readonly delta: Delta;
  constructor(id: number, arity: number, rows: Array<[Value[], number]>) {
    super(id, arity);
    this.delta = new Delta();
    for (const [row, diff] of rows) if (diff !== 0) this.delta.push(row as Row, diff);
  }
  step(ctx: StepContext): Delta | undefined {
    return ctx.time === ctx.asOf && this.delta.length > 0 ? this.delta : undefined;
  }
}
