/**
 * fixpoint (WITH RECURSIVE): the node reads the non-recursive term and every maximal part of the
 * recursive term that does not read the working table as ordinary graph nodes (maintained
 * incrementally like any other), and keeps their current contents. At a time when any of them
 * changed it re-runs the whole iteration (protocol/compute/fixpoint.ts) over those contents, the
 * recursive term evaluated by the reference evaluator, and emits the difference between the new
 * result and the previous one. So the output is exact after any change, deletions that break
 * cycles included, and only its changes flow downstream; the cost of a change is the cost of the
 * whole recursion, not of the change (no differential iteration).
 *
 * Errors of the iteration (the recursion limit, a failing expression in the recursive term) are
 * reported as the difference from the previous time's, so they heal when the input does.
 */
import { iterateFixpoint } from '../../../protocol/compute/fixpoint.js';
import type { Plan } from '../../../protocol/compute/plan.js';
import { evaluatePlanWithErrors } from '../../../protocol/compute/reference.js';
import { rowKey } from '../../../protocol/compute/row.js';
import type { Row } from '../../../protocol/types.js';
import { BaseNode, Delta, type Node, type StepContext } from './node.js';

type Contents = Map<string, [Row, number]>;

export class FixpointNode extends BaseNode {
  private readonly baseContents: Contents = new Map();
  private readonly liftedContents: Contents[];
  private output: Contents = new Map();
  private errors = new Map<string, number>();

  /**
   * @param lifted the graph nodes whose outputs the recursive term reads as `get liftedName(i)`
   * @param step the recursive term, reading the working table as `get name` and lifted parts
   */
  constructor(
    id: number,
    arity: number,
    private readonly base: Node,
    private readonly lifted: Node[],
    private readonly recursive: Plan,
    private readonly name: string,
    private readonly distinct: boolean,
    private readonly limit: number,
  ) {
    super(id, arity);
    this.liftedContents = lifted.map(() => new Map());
  }

  step(ctx: StepContext): Delta | undefined {
    let changed = absorb(this.baseContents, ctx.deltas[this.base.id]);
    this.lifted.forEach((n, i) => {
      if (absorb(this.liftedContents[i]!, ctx.deltas[n.id])) changed = true;
    });
    if (!changed) return undefined;
    const inputs = new Map<string, Array<[Row, number]>>(this.lifted.map((_, i) => [liftedName(this.name, i), [...this.liftedContents[i]!.values()]]));
    const errors = new Map<string, number>();
    const run = (working: Array<[Row, number]>) => {
      inputs.set(this.name, working);
      const r = evaluatePlanWithErrors(this.recursive, inputs, { time: ctx.time });
      for (const [m, n] of r.errors) errors.set(m, (errors.get(m) ?? 0) + n);
      return r.rows;
    };
    const rows = iterateFixpoint([...this.baseContents.values()], this.distinct, this.limit, run, errors);
    const next: Contents = new Map();
    for (const [row, d] of rows) next.set(rowKey(row), [row, d]);
    const out = new Delta();
    for (const [k, [row, d]] of next) {
      const before = this.output.get(k)?.[1] ?? 0;
      if (d !== before) out.push(row, d - before);
    }
    for (const [k, [row, d]] of this.output) if (!next.has(k)) out.push(row, -d);
    this.output = next;
    for (const [m, n] of errors) if (n !== (this.errors.get(m) ?? 0)) ctx.error(m, n - (this.errors.get(m) ?? 0));
    for (const [m, n] of this.errors) if (!errors.has(m)) ctx.error(m, -n);
    this.errors = errors;
    return out.length > 0 ? out : undefined;
  }

  override records(): number {
    return this.output.size + this.baseContents.size + this.liftedContents.reduce((n, c) => n + c.size, 0);
  }
}

/** The name a fixpoint's recursive term reads its `i`th lifted part by. */
export function liftedName(name: string, i: number): string {
  return `${name}/${i}`;
}

/** Adds a delta to contents kept by row value; whether anything changed. */
function absorb(into: Contents, delta: Delta | undefined): boolean {
  if (!delta || delta.length === 0) return false;
  for (let i = 0; i < delta.length; i++) {
    const row = delta.rows[i]!;
    const k = rowKey(row);
    const cur = into.get(k);
    const n = (cur?.[1] ?? 0) + delta.diffs[i]!;
    if (n === 0) into.delete(k);
    else into.set(k, [cur?.[0] ?? row, n]);
  }
  return true;
}
