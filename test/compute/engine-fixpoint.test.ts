/**
 * The engine's fixpoint (WITH RECURSIVE): the FixpointNode against the reference evaluator at every
 * timestamp of random update streams (insertions and retractions of edges, cycles included), and
 * against hand-computed reachability when a deletion breaks a cycle (the case naive incremental
 * recursion gets wrong: rows that only support each other must go). Errors past the recursion
 * limit appear and heal with the input.
 */
import { createEngine } from '../../actors/compute/engine-binding.js';
import type { Plan } from '../../protocol/compute/plan.js';
import { consolidateRows } from '../../protocol/compute/row.js';
import { EvaluationError } from '../../protocol/compute/scalar.js';
import { call, col, get, lit, runDifferential, smallInt, type InputSpec } from './engine-harness.js';

const SEEDS = [21, 22, 23, 24, 25, 26];
const E: InputSpec = { name: 'E', columns: [smallInt(5, 0.05), smallInt(5, 0.05)] };
const S: InputSpec = { name: 'S', columns: [smallInt(5, 0.05)] };

function differential(plan: Plan, inputs: InputSpec[]): void {
  const all = SEEDS.map((seed) => runDifferential(plan, inputs, { seed, times: 14 }));
  expect(all.reduce((n, s) => n + s.nonEmpty, 0)).toBeGreaterThan(SEEDS.length * 3);
}

/** reach(a, b): E's transitive closure, UNION (a set) or UNION ALL bounded by a depth column. */
const closure = (name: string, distinct: boolean, limit = 1000): Plan => ({
  op: 'fixpoint',
  name,
  arity: 2,
  distinct,
  limit,
  inputs: [
    get('E', 2),
    {
      op: 'project',
      input: { op: 'join', inputs: [get(name, 2), get('E', 2)], equivalences: [[1, 2]] },
      columns: [0, 3],
    },
  ],
});

test('transitive closure with UNION follows inserts and deletes of edges, cycles included', () => {
  differential(closure('$r', true), [E]);
});

test('UNION ALL paths of bounded length, with multiplicities', () => {
  // paths(a, b, len) of at most 3 edges: every path counts
  const paths: Plan = {
    op: 'fixpoint',
    name: '$p',
    arity: 3,
    distinct: false,
    limit: 1000,
    inputs: [
      { op: 'map', input: get('E', 2), exprs: [lit(1)] },
      {
        op: 'project',
        input: {
          op: 'map',
          input: { op: 'join', inputs: [{ op: 'filter', input: get('$p', 3), predicates: [call('<', col(2), lit(3))] }, get('E', 2)], equivalences: [[1, 3]] },
          exprs: [call('+', col(2), lit(1))],
        },
        columns: [0, 4, 5],
      },
    ],
  };
  differential(paths, [E]);
});

test('a recursion that reads another one and a second input (reachable from S)', () => {
  const fromS: Plan = {
    op: 'fixpoint',
    name: '$s',
    arity: 1,
    distinct: true,
    limit: 1000,
    inputs: [
      get('S', 1),
      { op: 'project', input: { op: 'join', inputs: [get('$s', 1), closure('$r', true)], equivalences: [[0, 1]] }, columns: [2] },
    ],
  };
  differential(fromS, [E, S]);
});

test('UNION ALL around a cycle errors at the recursion limit, and heals when the cycle is deleted', () => {
  differential(closure('$r', false, 6), [E]);
  const engine = createEngine(closure('$r', true), ['E'], 0);
  const step = (t: number, updates: Array<[number, number, number]>) => {
    engine.pushInput('E', updates.map(([a, b, d]) => [[a, b], t, d]));
    engine.advanceInput('E', [t + 1]);
    engine.step();
  };
  // 1 -> 2 -> 3 -> 1 and 3 -> 4: everything in the cycle reaches everything and 4
  step(0, [[1, 2, 1], [2, 3, 1], [3, 1, 1], [3, 4, 1]]);
  const reach = (t: number) => consolidateRows(engine.peek(t)).map(([r, d]) => `${r[0]}${r[1]}x${d}`);
  expect(reach(0)).toEqual(['11x1', '12x1', '13x1', '14x1', '21x1', '22x1', '23x1', '24x1', '31x1', '32x1', '33x1', '34x1']);
  // deleting 3 -> 1 breaks the cycle: rows that only supported each other go
  step(1, [[3, 1, -1]]);
  expect(reach(1)).toEqual(['12x1', '13x1', '14x1', '23x1', '24x1', '34x1']);
  step(2, [[2, 3, -1]]);
  expect(reach(2)).toEqual(['12x1', '34x1']);

  const bag = createEngine(closure('$r', false, 6), ['E'], 0);
  bag.pushInput('E', [[[1, 2], 0, 1], [[2, 1], 0, 1]]);
  bag.advanceInput('E', [1]);
  bag.step();
  expect(() => bag.peek(0)).toThrow(EvaluationError);
  expect(() => bag.peek(0)).toThrow(/recursion limit of 6/);
  bag.pushInput('E', [[[2, 1], 1, -1]]);
  bag.advanceInput('E', [2]);
  bag.step();
  expect(consolidateRows(bag.peek(1))).toEqual([[[1, 2], 1]]);
});

test('a malformed fixpoint is refused when the dataflow is created', () => {
  const bad = (p: unknown) => () => createEngine(p, ['E'], 0);
  // a recursive term of another arity
  expect(bad({ ...closure('$r', true), inputs: [get('E', 2), { op: 'project', input: get('$r', 2), columns: [0] }] })).toThrow(/invalid plan: fixpoint of arity 2/);
  // the non-recursive term reading the working table
  expect(bad({ ...closure('$r', true), inputs: [{ op: 'union', inputs: [get('E', 2), get('$r', 2)] }, get('$r', 2)] })).toThrow(/non-recursive term reads \$r/);
  // no limit, or not a positive one
  expect(bad({ ...closure('$r', true), limit: 0 })).toThrow(/invalid plan/);
  // the working table is not a dataflow input: a plan that reads only it declares no inputs
  expect(() => createEngine({ ...closure('$r', true), inputs: [{ op: 'constant', rows: [[[1, 2], 1]], arity: 2 }, get('$r', 2)] }, [], 0)).not.toThrow();
});
