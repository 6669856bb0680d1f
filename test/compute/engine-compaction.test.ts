/**
 * Time, frontiers, compaction and memory of the engine: peeks at past times after compaction,
 * compaction never changes contents at times >= since, reads outside [since, upper) are refused,
 * memory stays bounded under insert/retract churn once compaction is allowed (and grows without
 * it), and evaluation errors put the output in an error state that heals.
 */
import { createEngine } from '../../actors/compute/engine-binding.js';
import type { DataflowEngine } from '../../actors/compute/engine/engine.js';
import { InvalidRequestError } from '../../protocol/errors.js';
import type { Plan } from '../../protocol/compute/plan.js';
import { consolidateRows } from '../../protocol/compute/row.js';
import { EvaluationError } from '../../protocol/compute/scalar.js';
import type { Row, Update } from '../../protocol/types.js';
import { SeededRandom } from '../../runtime/random.js';
import { call, col, get, lit } from './engine-harness.js';

const view: Plan = {
  op: 'reduce',
  input: { op: 'join', inputs: [get('A', 2), get('B', 2)], equivalences: [[0, 2]] },
  groupKey: [0],
  aggregates: [
    { fn: 'count_star', expr: lit(null) },
    { fn: 'sum', expr: call('*', col(1), col(3)) },
    { fn: 'min', expr: col(3) },
  ],
};

function advance(e: DataflowEngine, names: string[], to: number): Update[] {
  for (const n of names) e.advanceInput(n, [to]);
  return e.step().updates;
}

test('compaction keeps every time at or after since readable and unchanged; earlier times are refused', () => {
  const r = new SeededRandom(42);
  const e = createEngine(view, ['A', 'B'], 10) as DataflowEngine;
  const live: Record<string, Row[]> = { A: [], B: [] };
  for (let t = 10; t < 60; t++) {
    for (const name of ['A', 'B']) {
      const updates: Update[] = [];
      for (let i = 0; i < 4; i++) {
        if (live[name]!.length > 0 && r.next() < 0.45) {
          const row = live[name]!.splice(r.int(live[name]!.length), 1)[0]!;
          updates.push([row, t, -1]);
        } else {
          const row = [r.int(5), r.int(10)];
          live[name]!.push(row);
          updates.push([row, t, 1]);
        }
      }
      e.pushInput(name, updates);
    }
  }
  advance(e, ['A', 'B'], 60);
  const before = new Map<number, Array<[Row, number]>>();
  for (let t = 10; t < 60; t++) before.set(t, consolidateRows(e.peek(t)));
  expect(new Set([...before.values()].map((v) => JSON.stringify(v))).size).toBeGreaterThan(20);
  for (const since of [15, 16, 30, 59]) {
    e.allowCompaction(since);
    for (let t = since; t < 60; t++) expect(consolidateRows(e.peek(t))).toEqual(before.get(t));
    expect(() => e.peek(since - 1)).toThrow(InvalidRequestError);
  }
  // A lower since than the current one changes nothing.
  e.allowCompaction(20);
  expect(() => e.peek(58)).toThrow(InvalidRequestError);
  expect(consolidateRows(e.peek(59))).toEqual(before.get(59));
  // The output frontier bounds reads from above.
  expect(() => e.peek(60)).toThrow(/complete only before 60/);
});

test('reads wait for the frontier; updates before asOf count as at asOf', () => {
  const e = createEngine(get('A', 1), ['A'], 100);
  expect(() => e.peek(100)).toThrow(InvalidRequestError);
  e.pushInput('A', [[['old'], 3, 1], [['at'], 100, 1], [['later'], 104, 1]]);
  expect(e.step()).toEqual({ updates: [], errors: [], frontier: [100] }); // no input frontier yet
  e.advanceInput('A', [101]);
  const first = e.step();
  expect(first.frontier).toEqual([101]);
  expect(consolidateRows(first.updates.map((u) => [u[0], u[2]]))).toEqual([
    [['at'], 1],
    [['old'], 1],
  ]);
  expect(first.updates.every((u) => u[1] === 100)).toBe(true);
  e.advanceInput('A', [200]);
  expect(e.step()).toEqual({ updates: [[['later'], 104, 1]], errors: [], frontier: [200] });
  expect(consolidateRows(e.peek(103))).toEqual([
    [['at'], 1],
    [['old'], 1],
  ]);
  expect(() => e.pushInput('A', [[['late'], 150, 1]])).toThrow(/before the input's frontier 200/);
  e.advanceInput('A', [150]); // a frontier never goes back
  expect(e.step().frontier).toEqual([200]);
  e.advanceInput('A', []);
  expect(e.step().frontier).toEqual([]);
  expect(consolidateRows(e.peek(10_000))).toHaveLength(3);
  expect(() => e.pushInput('A', [[['x'], 300, 1]])).toThrow(/empty frontier/);
});

test('a plan without inputs (a constant) is complete at once', () => {
  const e = createEngine({ op: 'constant', rows: [[[1], 2], [[2], 0]], arity: 1 }, [], 5);
  expect(e.step()).toEqual({ updates: [[[1], 5, 2]], errors: [], frontier: [] });
  expect(e.peek(1000)).toEqual([[[1], 2]]);
});

function churn(compact: boolean, cycles: number): number[] {
  const plan: Plan = { op: 'distinct', input: { op: 'join', inputs: [get('A', 2), get('B', 2)], equivalences: [[0, 2]] } };
  const e = createEngine(plan, ['A', 'B'], 0) as DataflowEngine;
  const base: Update[] = [];
  for (let k = 0; k < 50; k++) base.push([[k, k], 0, 1]);
  e.pushInput('A', base);
  e.pushInput('B', base);
  const sizes: number[] = [];
  for (let t = 1; t <= cycles; t++) {
    // Insert then retract the same rows, at alternate times.
    const d = t % 2 === 1 ? 1 : -1;
    const rows: Update[] = [];
    for (let k = 0; k < 20; k++) rows.push([[k, 1000 + (Math.ceil(t / 2) % 7)], t, d]);
    e.pushInput('A', rows);
    e.pushInput('B', rows.map(([row, time, diff]) => [[row[0]!, 2000], time, diff] as Update));
    advance(e, ['A', 'B'], t + 1);
    if (compact) e.allowCompaction(t);
    sizes.push(e.arrangedRecords());
  }
  return sizes;
}

test('memory: insert/retract churn of the same rows stays bounded once compaction is allowed', () => {
  const sizes = churn(true, 2000);
  const settled = sizes.slice(100);
  const max = Math.max(...settled);
  // 50 base rows per input, their join, plus one cycle of churn: bounded by a small constant.
  expect(max).toBeLessThan(600);
  expect(Math.max(...sizes.slice(-100))).toBeLessThanOrEqual(Math.max(...sizes.slice(100, 200)));
  // Without compaction the output keeps its whole history: the same churn grows without bound.
  const kept = churn(false, 2000);
  expect(kept[kept.length - 1]!).toBeGreaterThan(10 * max);
});

test('an evaluation error puts the output in an error state at its times, and retracting the row heals it', () => {
  const plan: Plan = { op: 'map', input: get('A', 1), exprs: [call('/', lit(10), col(0))] };
  const e = createEngine(plan, ['A'], 0) as DataflowEngine;
  e.pushInput('A', [[[2], 0, 1], [[0], 1, 1], [[0], 3, -1]]);
  e.advanceInput('A', [5]);
  const out = e.step();
  expect(out.updates).toEqual([[[2, 5], 0, 1]]);
  expect(e.peek(0)).toEqual([[[2, 5], 1]]);
  for (const t of [1, 2]) {
    expect(() => e.peek(t)).toThrow(EvaluationError);
    expect(() => e.peek(t)).toThrow('division by zero');
    expect(e.errorsAt(t)).toEqual([['division by zero', 1]]);
  }
  expect(e.peek(3)).toEqual([[[2, 5], 1]]);
  expect(e.errorsAt(4)).toEqual([]);
});

test('errors step out beside the updates, and errors an input carries join the dataflow\'s own', () => {
  const plan: Plan = { op: 'map', input: get('A', 1), exprs: [call('/', lit(10), col(0))] };
  const e = createEngine(plan, ['A'], 0) as DataflowEngine;
  e.pushInput('A', [[[0], 1, 1], [[0], 3, -1]]);
  // A materialized view's persisted error, read from its collection: present during [2, 4).
  e.pushInputErrors('A', [['integer out of range', 2, 1], ['integer out of range', 4, -1]]);
  e.advanceInput('A', [6]);
  const out = e.step();
  expect(out.updates).toEqual([]);
  expect(out.errors).toEqual([
    [['division by zero'], 1, 1],
    [['integer out of range'], 2, 1],
    [['division by zero'], 3, -1],
    [['integer out of range'], 4, -1],
  ]);
  expect(e.contentsAt(2)).toEqual({ rows: [], errors: [['division by zero', 1], ['integer out of range', 1]] });
  expect(() => e.peek(3)).toThrow('integer out of range');
  expect(e.peek(5)).toEqual([]);
});
