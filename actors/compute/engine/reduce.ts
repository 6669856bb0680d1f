/**
 * Reduce: group by key columns and aggregate. State is one entry per live group (its key, the
 * sum of its rows' multiplicities, one accumulator per aggregate, and the output row last
 * emitted), in a hash table keyed by the group key. At each time only the groups whose rows
 * changed are recomputed, and each emits the retraction of its old output row and its new one
 * (nothing when they are equal). A group exists while its multiplicity sum is non-zero; its state is
 * forgotten once every accumulator is empty. A row whose aggregate expressions fail to evaluate
 * contributes only an error. A reduce directly over a join takes the join's changes as they are
 * made (the join fused into it: no joined row is allocated).
 */
import type { Aggregate } from '../../../protocol/compute/plan.js';
import { compileAggregateInput } from '../../../protocol/compute/reference.js';
import { rowsEqual } from '../../../protocol/compute/row.js';
import { EvaluationError } from '../../../protocol/compute/scalar.js';
import type { Row, Value } from '../../../protocol/types.js';
import { newAccumulator, type Accumulator } from './aggregates.js';
import { hashColumns, keyMatches } from '../../../protocol/row-hash.js';
import type { JoinNode } from './join.js';
import { BaseNode, Delta, type Node, type StepContext } from './node.js';

class Group {
  next: Group | null = null;
  count = 0;
  emitted: Row | null = null;
  dirty = false;
  constructor(
    readonly key: Row,
    readonly hash: number,
    /** One per aggregate; null for count(*), whose value is `count` itself (no state of its own). */
    readonly accs: Array<Accumulator | null>,
  ) {}
}

export class ReduceNode extends BaseNode {
  private readonly groups = new Map<number, Group>();
  /** Each aggregate's compiled input; null for count(*) (never evaluated, never accumulated). */
  private readonly inputs: Array<((row: Row) => Value) | null>;
  private readonly values: Value[];
  private groupCount = 0;
  private readonly dirty: Group[] = [];
  private last: Group | null = null;
  private ctx: StepContext | undefined;

  /**
   * @param join a join fused into this reduce (its only reader, build.ts): its output changes are
   *   taken as they are made, none allocated; `input` is then that join.
   */
  constructor(
    id: number,
    private readonly input: Node,
    private readonly groupKey: number[],
    private readonly aggregates: Aggregate[],
    private readonly join?: JoinNode,
  ) {
    super(id, groupKey.length + aggregates.length);
    this.inputs = aggregates.map((a) => (isCountStar(a) ? null : compileAggregateInput(a)));
    this.values = new Array<Value>(aggregates.length);
  }

  step(ctx: StepContext): Delta | undefined {
    this.ctx = ctx;
    if (this.join !== undefined) {
      if (!this.join.each(ctx, this.accept)) return undefined;
    } else {
      const d = ctx.deltas[this.input.id];
      if (d === undefined) return undefined;
      const { rows, diffs } = d;
      const accept = this.accept;
      for (let i = 0; i < rows.length; i++) accept(rows[i]!, diffs[i]!);
    }
    this.last = null;
    const out = new Delta();
    const dirty = this.dirty;
    for (let i = 0; i < dirty.length; i++) {
      const g = dirty[i]!;
      g.dirty = false;
      const next = g.count !== 0 ? this.outputRow(g) : null;
      const prev = g.emitted;
      if (prev !== null && next !== null && rowsEqual(prev, next)) continue;
      if (prev !== null) out.push(prev, -1);
      if (next !== null) out.push(next, 1);
      g.emitted = next;
      if (next === null && g.accs.every((a) => a === null || a.isEmpty())) this.forget(g);
    }
    dirty.length = 0;
    return out.length > 0 ? out : undefined;
  }

  /** Adds one input change to its group (the row is not kept: a fused join reuses it). */
  private readonly accept = (row: Row, diff: number): void => {
    const inputs = this.inputs;
    const values = this.values;
    const cols = this.groupKey;
    try {
      for (let a = 0; a < inputs.length; a++) {
        const f = inputs[a]!;
        if (f !== null) values[a] = f(row);
      }
    } catch (err) {
      if (!(err instanceof EvaluationError)) throw err;
      this.ctx!.error(err.message, diff);
      return;
    }
    // Consecutive rows often share a group (a join emits a key's matches together).
    const last = this.last;
    let g: Group | null | undefined = last !== null && keyMatches(last.key, row, cols) ? last : undefined;
    if (g === undefined) {
      const h = hashColumns(row, cols);
      g = this.groups.get(h);
      const head = g;
      while (g && !keyMatches(g.key, row, cols)) g = g.next;
      if (!g) {
        g = new Group(
          cols.map((c) => row[c]!),
          h,
          this.aggregates.map((a) => (isCountStar(a) ? null : newAccumulator(a))),
        );
        g.next = head ?? null;
        this.groups.set(h, g);
        this.groupCount++;
      }
      this.last = g;
    }
    g.count += diff;
    const accs = g.accs;
    for (let a = 0; a < accs.length; a++) {
      const acc = accs[a]!;
      if (acc !== null) acc.add(values[a]!, diff);
    }
    if (!g.dirty) {
      g.dirty = true;
      this.dirty.push(g);
    }
  };

  override records(): number {
    let n = this.groupCount;
    if (this.aggregates.some((a) => a.distinct || a.fn === 'min' || a.fn === 'max' || a.fn === 'count_distinct' || a.fn === 'bool_and' || a.fn === 'bool_or' || a.fn === 'string_agg')) {
      for (const head of this.groups.values()) for (let g: Group | null = head; g; g = g.next) for (const a of g.accs) if (a !== null) n += a.records();
    }
    return n;
  }

  private outputRow(g: Group): Row {
    const k = g.key.length;
    const row = new Array<Value>(k + g.accs.length);
    for (let i = 0; i < k; i++) row[i] = g.key[i]!;
    for (let a = 0; a < g.accs.length; a++) {
      const acc = g.accs[a]!;
      row[k + a] = acc === null ? g.count : acc.value();
    }
    return row;
  }

  private forget(g: Group): void {
    this.groupCount--;
    const head = this.groups.get(g.hash);
    if (head === g) {
      if (g.next) this.groups.set(g.hash, g.next);
      else this.groups.delete(g.hash);
      return;
    }
    for (let prev: Group | null | undefined = head; prev; prev = prev.next) {
      if (prev.next === g) {
        prev.next = g.next;
        return;
      }
    }
  }
}

/** count(*): its value is the group's multiplicity sum, which every group keeps anyway. */
function isCountStar(a: Aggregate): boolean {
  return a.fn === 'count_star' && !a.distinct;
}
