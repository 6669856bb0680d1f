/**
 * The differential harness of the engine tests: a seeded random update stream (insertions,
 * retractions, multiplicities above one, NULLs) over several timestamps per input, pushed into the
 * engine in random batch splits and orders with random frontier advances, steps and compactions;
 * at every timestamp that becomes complete, the engine's peek and its accumulated output stream
 * are compared with the reference evaluator over the accumulated inputs, and so are its errors.
 */
import { createEngine } from '../../actors/compute/engine-binding.js';
import type { DataflowEngine } from '../../actors/compute/engine/engine.js';
import type { Expr, Plan } from '../../protocol/compute/plan.js';
import { evaluatePlanWithErrors } from '../../protocol/compute/reference.js';
import { consolidateRows, rowKey } from '../../protocol/compute/row.js';
import { EvaluationError } from '../../protocol/compute/scalar.js';
import type { Row, Update, Value } from '../../protocol/types.js';
import { SeededRandom } from '../../runtime/random.js';

export const col = (index: number): Expr => ({ op: 'col', index });
export const lit = (value: Value): Expr => ({
  op: 'lit',
  value,
  type: typeof value === 'string' ? 'text' : typeof value === 'boolean' ? 'bool' : Number.isInteger(value) ? 'int' : 'float',
});
export const call = (fn: string, ...args: Expr[]): Expr => ({ op: 'call', fn, args }) as Expr;
export const get = (name: string, arity: number): Plan => ({ op: 'get', name, arity });

export type Gen = (r: SeededRandom) => Value;
export const pick =
  <T extends Value>(...values: T[]): Gen =>
  (r) =>
    values[r.int(values.length)]!;
/** A small int domain with NULLs, so keys collide and joins match. */
export const smallInt = (n = 4, nullRate = 0.15): Gen => (r) => (r.next() < nullRate ? null : r.int(n));
export const smallText = pick('a', 'b', 'A', 'ab', '', null);
export const smallFloat = pick(0.1, 0.5, 1.25, -0.2, 3, 1e-7, null);

export interface InputSpec {
  name: string;
  columns: Gen[];
}

export interface DiffOptions {
  seed: number;
  /** Timestamps after asOf with updates (default 12). */
  times?: number;
  /** Most updates per input per timestamp (default 6). */
  maxUpdates?: number;
  asOf?: number;
}

export interface DiffStats {
  /** Timestamps compared. */
  checks: number;
  /** Of which the reference output was not empty. */
  nonEmpty: number;
  /** Of which the reference had evaluation errors. */
  withErrors: number;
  /** Output updates produced in all. */
  outputUpdates: number;
  /** Peeks at past times after compaction. */
  pastPeeks: number;
}

/** A random stream for one input: updates sorted by time, never retracting below zero. */
function stream(r: SeededRandom, spec: InputSpec, asOf: number, times: number, maxUpdates: number): Update[] {
  const live = new Map<string, [Row, number]>();
  const out: Update[] = [];
  for (let t = asOf - 2; t <= asOf + times; t++) {
    if (r.next() < 0.25) continue; // some times see nothing
    const n = r.int(maxUpdates + 1);
    for (let i = 0; i < n; i++) {
      const entries = [...live.values()];
      if (entries.length > 0 && r.next() < 0.4) {
        const e = entries[r.int(entries.length)]!;
        const d = e[1] > 1 && r.next() < 0.3 ? 2 : 1;
        e[1] -= d;
        if (e[1] === 0) live.delete(rowKey(e[0]));
        out.push([e[0].slice(), t, -d]);
      } else {
        const row = spec.columns.map((g) => g(r));
        const d = r.next() < 0.15 ? 2 : 1;
        const k = rowKey(row);
        const e = live.get(k);
        if (e) e[1] += d;
        else live.set(k, [row, d]);
        out.push([row.slice(), t, d]);
      }
    }
  }
  return out;
}

function shuffle<T>(r: SeededRandom, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Runs one random scenario of `plan` and checks it at every timestamp; throws on a mismatch. */
export function runDifferential(plan: Plan, specs: InputSpec[], opts: DiffOptions): DiffStats {
  const r = new SeededRandom(opts.seed);
  const asOf = opts.asOf ?? 100;
  const times = opts.times ?? 12;
  const end = asOf + times + 1;
  const streams = new Map(specs.map((s) => [s.name, stream(r, s, asOf, times, opts.maxUpdates ?? 6)]));
  const engine = createEngine(plan, specs.map((s) => s.name), asOf) as DataflowEngine;
  const cursor = new Map(specs.map((s) => [s.name, 0]));
  const frontier = new Map<string, number | null>(specs.map((s) => [s.name, 0]));
  const output: Update[] = [];
  const stats: DiffStats = { checks: 0, nonEmpty: 0, withErrors: 0, outputUpdates: 0, pastPeeks: 0 };
  let upper: number | null = asOf;
  let since = asOf;

  const reference = (t: number) => {
    const inputs = new Map<string, Array<[Row, number]>>();
    for (const [name, updates] of streams) inputs.set(name, updates.filter((u) => Math.max(u[1], asOf) <= t).map((u) => [u[0], u[2]] as [Row, number]));
    return evaluatePlanWithErrors(plan, inputs, { time: t });
  };
  const where = (t: number) => `seed ${opts.seed}, time ${t}`;
  const check = (t: number, fromStream: boolean) => {
    const ref = reference(t);
    const errors = engine.errorsAt(t);
    expect({ at: where(t), errors }).toEqual({ at: where(t), errors: ref.errors });
    if (ref.errors.length > 0) {
      stats.withErrors++;
      expect(() => engine.peek(t)).toThrow(EvaluationError);
    } else {
      expect({ at: where(t), rows: consolidateRows(engine.peek(t)) }).toEqual({ at: where(t), rows: ref.rows });
    }
    if (fromStream) {
      const acc = consolidateRows(output.filter((u) => u[1] <= t).map((u) => [u[0], u[2]] as [Row, number]));
      expect({ at: where(t), stream: acc }).toEqual({ at: where(t), stream: ref.rows });
    }
    stats.checks++;
    if (ref.rows.length > 0) stats.nonEmpty++;
  };

  for (let guard = 0; upper !== null; guard++) {
    if (guard > 100_000) throw new Error('harness did not terminate');
    const action = r.next();
    const name = specs[r.int(specs.length)]!.name;
    const updates = streams.get(name)!;
    const at = cursor.get(name)!;
    const f = frontier.get(name)!;
    if (action < 0.35 && at < updates.length) {
      // Push a chunk of this input's next updates, in random order.
      const n = 1 + r.int(8);
      const chunk = shuffle(r, updates.slice(at, at + n).map((u) => [u[0].slice(), u[1], u[2]] as Update));
      cursor.set(name, at + chunk.length);
      engine.pushInput(name, chunk);
    } else if (action < 0.7 && f !== null) {
      // Advance this input's frontier, never past an update not yet pushed.
      const next = at < updates.length ? Math.max(updates[at]![1], asOf) : end;
      if (at >= updates.length && f >= end) {
        frontier.set(name, null);
        engine.advanceInput(name, []);
      } else {
        const to = Math.min(next, f + 1 + r.int(4));
        if (to > f) {
          frontier.set(name, to);
          engine.advanceInput(name, [to]);
        }
      }
    } else if (action < 0.9) {
      const res = engine.step();
      const newUpper = res.frontier.length === 0 ? null : res.frontier[0]!;
      // Complete: a temporal filter's output may change after the inputs' last time.
      const stop = newUpper ?? Math.max(end, ...res.updates.map((u) => u[1] + 2));
      const seen = new Set<string>();
      let lastTime = -Infinity;
      for (const [row, t, d] of res.updates) {
        expect(d).not.toBe(0);
        expect(t).toBeGreaterThanOrEqual(upper);
        expect(t).toBeLessThan(stop);
        expect(t).toBeGreaterThanOrEqual(lastTime);
        lastTime = t;
        const k = `${t}|${rowKey(row)}`;
        expect(seen.has(k)).toBe(false); // consolidated: one update per (row, time)
        seen.add(k);
        output.push([row, t, d]);
      }
      stats.outputUpdates += res.updates.length;
      for (let t = upper; t < stop; t++) check(t, true);
      upper = newUpper;
    } else if (upper > since) {
      // Compact to some time not past the output frontier, then read the past.
      since = upper - since >= 2 ? since + 1 + r.int(upper - since - 1) : upper;
      engine.allowCompaction(since);
      expect(() => engine.peek(since - 1)).toThrow();
      for (let t = since; t < upper; t++) {
        check(t, false);
        stats.pastPeeks++;
      }
    }
  }
  // The output frontier is empty: every time is readable from since on.
  check(end + 3, true);
  return stats;
}
