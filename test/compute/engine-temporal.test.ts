/**
 * The temporal filter (plan.ts' `temporal`, engine/temporal.ts): random update streams compared
 * with the reference evaluator at every time (engine-harness.ts, which evaluates the reference at
 * the time checked), alone and under stateful operators; and by hand: a row appears at its lower
 * bound and leaves at its upper bound when only the frontier moves.
 */
import { createEngine } from '../../actors/compute/engine-binding.js';
import type { Plan } from '../../protocol/compute/plan.js';
import { EvaluationError } from '../../protocol/compute/scalar.js';
import { call, col, get, lit, runDifferential, smallInt, type Gen, type InputSpec } from './engine-harness.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
/** Times near the harness's asOf (100) and its update times (98 to 112), and NULLs. */
const nearTime: Gen = (r) => (r.next() < 0.1 ? null : 96 + r.int(22));
const T: InputSpec = { name: 'T', columns: [nearTime, smallInt(3), smallInt(6, 0)] };
const U: InputSpec = { name: 'U', columns: [smallInt(3), nearTime] };

function differential(plan: Plan, inputs: InputSpec[]): void {
  const all = SEEDS.map((seed) => runDifferential(plan, inputs, { seed, times: 14 }));
  expect(all.reduce((n, s) => n + s.nonEmpty, 0)).toBeGreaterThan(SEEDS.length * 3);
  expect(all.reduce((n, s) => n + s.outputUpdates, 0)).toBeGreaterThan(0);
}

/** mz_now() < at + len: in the output from insertion until at + len. */
const window = (input: Plan): Plan => ({ op: 'temporal', input, lower: [], upper: [call('+', col(0), col(2))] });

test('an upper bound (mz_now() < at + len): rows leave at their bound', () => {
  differential(window(get('T', 3)), [T]);
});

test('a lower bound (mz_now() >= at): rows arrive at their bound', () => {
  differential({ op: 'temporal', input: get('T', 3), lower: [col(0)], upper: [] }, [T]);
});

test('both bounds, several of each (the tightest wins), an empty interval', () => {
  differential(
    { op: 'temporal', input: get('T', 3), lower: [col(0), call('+', col(1), lit(100))], upper: [call('+', col(0), call('+', col(2), lit(2))), lit(112)] },
    [T],
  );
});

test('under a reduce, a join and a distinct: later operators see the scheduled changes', () => {
  const counted: Plan = { op: 'reduce', input: window(get('T', 3)), groupKey: [1], aggregates: [{ fn: 'count_star', expr: lit(null) }, { fn: 'max', expr: col(0) }] };
  differential(counted, [T]);
  const joined: Plan = { op: 'join', inputs: [window(get('T', 3)), { op: 'temporal', input: get('U', 2), lower: [col(1)], upper: [] }], equivalences: [[1, 3]] };
  differential(joined, [T, U]);
  differential({ op: 'distinct', input: { op: 'project', input: window(get('T', 3)), columns: [1] } }, [T]);
});

test('a row leaves when only the frontier moves, and the step reports the retraction at its bound', () => {
  const e = createEngine(window(get('T', 3)), ['T'], 0);
  e.pushInput('T', [[[1000, 'a', 500], 1000, 1]]);
  e.advanceInput('T', [1001]);
  expect(e.step()).toEqual({ updates: [[[1000, 'a', 500], 1000, 1]], errors: [], frontier: [1001] });
  e.advanceInput('T', [1400]);
  expect(e.step().updates).toEqual([]);
  expect(e.peek(1399)).toEqual([[[1000, 'a', 500], 1]]);
  e.advanceInput('T', [1600]);
  expect(e.step()).toEqual({ updates: [[[1000, 'a', 500], 1500, -1]], errors: [], frontier: [1600] });
  expect(e.peek(1499)).toEqual([[[1000, 'a', 500], 1]]);
  expect(e.peek(1500)).toEqual([]);
  // Held until its time: one scheduled retraction, then none.
  expect(e.arrangedRecords()).toBeGreaterThanOrEqual(0);
});

test('a retraction of the row before its bound cancels the scheduled one', () => {
  const e = createEngine(window(get('T', 3)), ['T'], 0);
  e.pushInput('T', [[[10, 'a', 100], 10, 1]]);
  e.pushInput('T', [[[10, 'a', 100], 50, -1]]);
  e.advanceInput('T', [1000]);
  const out = e.step();
  expect(out.updates).toEqual([
    [[10, 'a', 100], 10, 1],
    [[10, 'a', 100], 50, -1],
  ]);
  expect(e.peek(999)).toEqual([]);
});

test('a bound that is not an integer is an evaluation error at the row, healed by its retraction', () => {
  const e = createEngine({ op: 'temporal', input: get('F', 1), lower: [col(0)], upper: [] }, ['F'], 0);
  e.pushInput('F', [[[1.5], 5, 1], [[1.5], 8, -1], [[null], 5, 1]]);
  e.advanceInput('F', [10]);
  e.step();
  expect(() => e.peek(6)).toThrow(EvaluationError);
  expect(e.peek(9)).toEqual([]);
});
