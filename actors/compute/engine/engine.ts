/**
 * The incremental engine of one dataflow (the `Engine` port of actors/compute/ports.ts). It
 * buffers each input's updates by time, and `step()` processes every time that has become
 * complete (all times before the least input frontier), one time at a time in increasing order:
 * each node of the graph, in topological order, turns its inputs' changes at that time into its
 * own, shared arrangements absorb them, and the output trace records the output's consolidated
 * change at that time with its history. Updates before `asOf` count as at `asOf`.
 *
 * Evaluation errors are kept as a second trace (error message -> multiplicity) beside the output:
 * a peek at a time where it is not empty fails with the first error, as a Materialize view in an
 * error state does, and it heals when the offending rows are retracted.
 *
 * Pure computation: no I/O, no clocks.
 */
import { InvalidRequestError } from '../../../protocol/errors.js';
import type { Plan } from '../../../protocol/compute/plan.js';
import { EvaluationError } from '../../../protocol/compute/scalar.js';
import type { Frontier, Row, Update } from '../../../protocol/types.js';
import type { Engine, UpdateColumns } from '../ports.js';
import { buildGraph, type Graph } from './build.js';
import { Delta, type StepContext } from './node.js';
import type { InputNode } from './sources.js';
import { Trace } from './trace.js';

interface InputState {
  name: string;
  node: InputNode;
  /** The input's frontier; null once it is empty (complete forever). */
  frontier: number | null;
  pending: Map<number, Delta>;
  /** Evaluation errors read from the input (a materialized view's persisted errors), by time. */
  pendingErrors: Map<number, Array<[string, number]>>;
  lastTime: number;
  lastDelta: Delta | undefined;
}

const ignore = (): void => undefined;

export class DataflowEngine implements Engine {
  private readonly graph: Graph;
  private readonly inputs = new Map<string, InputState>();
  private readonly output: Trace;
  private readonly errors: Trace;
  private readonly ctx: StepContext & { time: number };
  private since: number;
  /** The output frontier; null once empty. */
  private upper: number | null;
  private started = false;

  /** The plan must be valid (see engine-binding.ts) and read exactly the inputs named. */
  constructor(
    plan: Plan,
    inputNames: string[],
    readonly asOf: number,
    /** The output index's key columns: peeks can look rows up by them. */
    indexKeys?: readonly number[],
  ) {
    this.graph = buildGraph(plan);
    for (const name of inputNames) {
      const node = this.graph.inputs.get(name);
      if (!node) throw new InvalidRequestError(`input ${name} is not read by the plan`);
      this.inputs.set(name, { name, node, frontier: 0, pending: new Map(), pendingErrors: new Map(), lastTime: -1, lastDelta: undefined });
    }
    for (const name of this.graph.inputs.keys()) {
      if (!this.inputs.has(name)) throw new InvalidRequestError(`the plan reads input ${name}, which the dataflow does not declare`);
    }
    this.since = asOf;
    this.upper = asOf;
    this.output = new Trace(asOf, indexKeys);
    this.errors = new Trace(asOf);
    const errors = this.errors;
    this.ctx = {
      time: asOf,
      asOf,
      deltas: new Array<Delta | undefined>(this.graph.nodes.length),
      error: (message, diff) => errors.add([message], diff),
    };
  }

  pushInput(name: string, updates: Update[]): void {
    const s = this.openInput(name);
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i]!;
      this.push(s, u[0], u[1], u[2]);
    }
  }

  pushInputColumns(name: string, updates: UpdateColumns): void {
    const s = this.openInput(name);
    const { rows, times, diffs } = updates;
    if (this.adopt(s, updates)) return;
    for (let i = 0; i < rows.length; i++) this.push(s, rows[i]!, times[i]!, diffs[i]!);
  }

  /**
   * Takes the arrays themselves as the input's buffer at their time when every update is at one
   * time (times before asOf count as asOf) with nothing buffered there yet, every row has the
   * input's arity and no diff is zero (a snapshot: a million rows not copied). Else false.
   */
  private adopt(s: InputState, { rows, times, diffs }: UpdateColumns): boolean {
    const n = rows.length;
    if (n === 0) return true;
    const asOf = this.asOf;
    const t = times[0]! < asOf ? asOf : times[0]!;
    if (t < s.frontier! || s.pending.has(t)) return false;
    const arity = s.node.arity;
    for (let i = 0; i < n; i++) {
      const ti = times[i]!;
      if ((ti < asOf ? asOf : ti) !== t || rows[i]!.length !== arity || diffs[i] === 0) return false;
    }
    s.pending.set(t, new Delta(rows, diffs));
    return true;
  }

  /** The input, which must still take updates. */
  private openInput(name: string): InputState {
    const s = this.input(name);
    if (s.frontier === null) throw new InvalidRequestError(`input ${name} has the empty frontier: it takes no more updates`);
    return s;
  }

  /** Buffers one update of input `s` at its time (times before asOf count as asOf). */
  private push(s: InputState, row: Row, time: number, diff: number): void {
    if (diff === 0) return;
    const t = time < this.asOf ? this.asOf : time;
    if (t < s.frontier!) throw new InvalidRequestError(`input ${s.name}: an update at time ${time} is before the input's frontier ${s.frontier}`);
    if (row.length !== s.node.arity) throw new InvalidRequestError(`input ${s.name}: a row of ${row.length} columns, expected ${s.node.arity}`);
    let d = t === s.lastTime ? s.lastDelta : s.pending.get(t);
    if (d === undefined) {
      d = new Delta();
      s.pending.set(t, d);
    }
    s.lastTime = t;
    s.lastDelta = d;
    d.push(row, diff);
  }

  pushInputErrors(name: string, errors: Array<[string, number, number]>): void {
    const s = this.openInput(name);
    for (const [message, time, diff] of errors) {
      if (diff === 0) continue;
      const t = time < this.asOf ? this.asOf : time;
      if (t < s.frontier!) throw new InvalidRequestError(`input ${s.name}: an error at time ${time} is before the input's frontier ${s.frontier}`);
      let at = s.pendingErrors.get(t);
      if (at === undefined) s.pendingErrors.set(t, (at = []));
      at.push([message, diff]);
    }
  }

  advanceInput(name: string, frontier: Frontier): void {
    const s = this.input(name);
    if (s.frontier === null) return;
    if (frontier.length === 0) s.frontier = null;
    else if (frontier[0]! > s.frontier) s.frontier = frontier[0]!;
  }

  step(outputFrom = -Infinity): { updates: Update[]; errors: Update[]; frontier: Frontier } {
    const updates: Update[] = [];
    const errors: Update[] = [];
    if (this.upper === null) return { updates, errors, frontier: [] };
    let limit = Infinity;
    for (const s of this.inputs.values()) if (s.frontier !== null && s.frontier < limit) limit = s.frontier;
    if (limit <= this.upper) return { updates, errors, frontier: [this.upper] };
    const times: number[] = [];
    if (!this.started) times.push(this.asOf);
    for (const s of this.inputs.values()) {
      s.lastTime = -1;
      s.lastDelta = undefined;
      for (const t of s.pending.keys()) if (t < limit && (this.started || t !== this.asOf)) times.push(t);
      for (const t of s.pendingErrors.keys()) if (t < limit && (this.started || t !== this.asOf)) times.push(t);
    }
    this.started = true;
    const unique = times.length > 1 ? [...new Set(times)].sort((a, b) => a - b) : times;
    const temporal = this.graph.temporal;
    for (let i = 0; ; ) {
      // The next time: the inputs' next, or a temporal filter's scheduled change if earlier
      // (scheduled while processing an earlier time of this very step, possibly).
      let t = i < unique.length ? unique[i]! : Infinity;
      for (let k = 0; k < temporal.length; k++) {
        const s = temporal[k]!.nextTime();
        if (s !== undefined && s < t) t = s;
      }
      if (t >= limit) break;
      if (i < unique.length && unique[i] === t) i++;
      this.processTime(t, t >= outputFrom ? updates : undefined, t >= outputFrom ? errors : undefined);
    }
    this.upper = limit === Infinity ? null : limit;
    return { updates, errors, frontier: this.upper === null ? [] : [this.upper] };
  }

  peek(asOf: number, lookup?: readonly Row[]): Array<[Row, number]> {
    this.checkReadable(asOf);
    const errors = this.errorsAt(asOf);
    if (errors.length > 0) throw new EvaluationError(errors[0]![0], { details: { errors: errors.length } });
    return lookup ? this.output.lookupAt(lookup, asOf) : this.output.contentsAt(asOf);
  }

  contentsAt(asOf: number): { rows: Array<[Row, number]>; errors: Array<[string, number]> } {
    this.checkReadable(asOf);
    return { rows: this.output.contentsAt(asOf), errors: this.errorsAt(asOf) };
  }

  /** Throws unless the output at `asOf` is readable (since <= asOf < upper). */
  private checkReadable(asOf: number): void {
    if (asOf < this.since) {
      throw new InvalidRequestError(`cannot read at ${asOf}: the dataflow is compacted up to ${this.since}`, { details: { since: this.since } });
    }
    if (this.upper !== null && asOf >= this.upper) {
      throw new InvalidRequestError(`cannot read at ${asOf}: the output is complete only before ${this.upper}`, { details: { upper: this.upper } });
    }
  }

  /** The evaluation errors (message, multiplicity) in the output at `t`, sorted by message. */
  errorsAt(t: number): Array<[string, number]> {
    return this.errors
      .contentsAt(t)
      .map(([row, n]): [string, number] => [row[0] as string, n])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  allowCompaction(since: number): void {
    if (since <= this.since) return;
    this.since = since;
    this.output.compact(since);
    this.errors.compact(since);
  }

  arrangedRecords(): number {
    let n = this.output.records() + this.errors.records();
    for (const a of this.graph.arrangements) n += a.records();
    for (const node of this.graph.nodes) n += node.records();
    return n;
  }

  private input(name: string): InputState {
    const s = this.inputs.get(name);
    if (!s) throw new InvalidRequestError(`the dataflow has no input named ${name}`);
    return s;
  }

  /** Processes time `t`; its output changes go to `out` (when given). */
  private processTime(t: number, out: Update[] | undefined, errorsOut: Update[] | undefined): void {
    for (const s of this.inputs.values()) {
      const d = s.pending.get(t);
      if (d !== undefined) s.pending.delete(t);
      s.node.current = d;
      const errs = s.pendingErrors.get(t);
      if (errs !== undefined) {
        s.pendingErrors.delete(t);
        for (const [message, diff] of errs) this.errors.add([message], diff);
      }
    }
    const ctx = this.ctx;
    ctx.time = t;
    const deltas = ctx.deltas;
    const nodes = this.graph.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      const d = node.step(ctx);
      deltas[i] = d;
      if (d !== undefined) for (const arr of node.arrangements) arr.apply(d);
    }
    const result = deltas[this.graph.root.id];
    if (result !== undefined) this.output.addAll(result.rows, result.diffs);
    this.output.finish(t, out === undefined ? ignore : (row, diff) => out.push([row, t, diff]));
    this.errors.finish(t, errorsOut === undefined ? ignore : (row, diff) => errorsOut.push([row, t, diff]));
    for (const arr of this.graph.arrangements) if (arr.touched.length > 0) arr.endTime();
    deltas.fill(undefined);
    for (const s of this.inputs.values()) s.node.current = undefined;
  }
}
