/**
 * The reference evaluator (the oracle of the engine tests and of the planner's tests) on small
 * cases computed by hand.
 */
import type { Plan } from '../../protocol/compute/plan.js';
import { evaluatePlan, evaluatePlanWithErrors } from '../../protocol/compute/reference.js';
import { EvaluationError } from '../../protocol/compute/scalar.js';
import type { Row } from '../../protocol/types.js';
import { call, col, get, lit } from './engine-harness.js';

const inputs = (entries: Record<string, Array<[Row, number]>>) => new Map(Object.entries(entries));

test('join: NULL keys never match, multiplicities multiply, output is sorted and consolidated', () => {
  const plan: Plan = { op: 'join', inputs: [get('A', 2), get('B', 2)], equivalences: [[0, 2]] };
  const out = evaluatePlan(
    plan,
    inputs({
      A: [[[1, 'x'], 2], [[null, 'n'], 1], [['1', 's'], 1]],
      B: [[[1, 'y'], 3], [[null, 'm'], 1], [[1, 'y'], -1]],
    }),
  );
  expect(out).toEqual([[[1, 'x', 1, 'y'], 4]]);
});

test('reduce: NULL keys group together, aggregates ignore NULLs, an emptied group disappears', () => {
  const plan: Plan = {
    op: 'reduce',
    input: get('A', 2),
    groupKey: [0],
    aggregates: [
      { fn: 'count_star', expr: lit(null) },
      { fn: 'count', expr: col(1) },
      { fn: 'sum', expr: col(1) },
      { fn: 'min', expr: col(1) },
      { fn: 'max', expr: col(1) },
      { fn: 'avg', expr: col(1) },
      { fn: 'count_distinct', expr: col(1) },
    ],
  };
  const out = evaluatePlan(
    plan,
    inputs({
      A: [
        [[null, 1], 1],
        [[null, 3], 2],
        [['g', null], 1],
        [['h', 5], 1],
        [['h', 5], -1],
      ],
    }),
  );
  expect(out).toEqual([
    [[null, 3, 3, 7, 1, 3, 7 / 3, 2], 1],
    [['g', 1, 0, null, null, null, null, 0], 1],
  ]);
  // A global aggregate over nothing is no row at all.
  expect(evaluatePlan({ ...plan, groupKey: [] }, inputs({ A: [] }))).toEqual([]);
});

test('topk counts multiplicities as ranks and breaks ties by the whole row', () => {
  const plan: Plan = { op: 'topk', input: get('A', 2), groupKey: [], order: [{ column: 0, desc: true, nullsFirst: false }], limit: 3, offset: 1 };
  const out = evaluatePlan(
    plan,
    inputs({
      A: [
        [[5, 'b'], 1],
        [[5, 'a'], 2],
        [[null, 'z'], 1],
        [[3, 'c'], 1],
        [[1, 'd'], 1],
      ],
    }),
  );
  // Ranked: (5,a) (5,a) (5,b) (3,c) (1,d) (null,z); ranks 1..3 are (5,a) (5,b) (3,c).
  expect(out).toEqual([
    [[3, 'c'], 1],
    [[5, 'a'], 1],
    [[5, 'b'], 1],
  ]);
});

test('union, negate, threshold and distinct', () => {
  const A: Array<[Row, number]> = [[[1], 3], [[2], 1]];
  const B: Array<[Row, number]> = [[[1], 1], [[2], 2], [[3], 1]];
  const except: Plan = { op: 'threshold', input: { op: 'union', inputs: [get('A', 1), { op: 'negate', input: get('B', 1) }] } };
  expect(evaluatePlan(except, inputs({ A, B }))).toEqual([[[1], 2]]);
  expect(evaluatePlan({ op: 'distinct', input: get('B', 1) }, inputs({ B }))).toEqual([
    [[1], 1],
    [[2], 1],
    [[3], 1],
  ]);
});

test('evaluation errors are counted with multiplicities and thrown by evaluatePlan', () => {
  const plan: Plan = { op: 'map', input: get('A', 1), exprs: [call('/', lit(1), col(0))] };
  const { rows, errors } = evaluatePlanWithErrors(plan, inputs({ A: [[[0], 2], [[2], 1]] }));
  expect(rows).toEqual([[[2, 0.5], 1]]);
  expect(errors).toEqual([['division by zero', 2]]);
  expect(() => evaluatePlan(plan, inputs({ A: [[[0], 1]] }))).toThrow(EvaluationError);
  expect(evaluatePlan(plan, inputs({ A: [[[0], 1], [[0], -1]] }))).toEqual([]);
});
