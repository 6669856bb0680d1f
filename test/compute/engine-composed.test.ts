/**
 * Differential tests of composed plans, as the SQL planner produces them: join + reduce (the
 * benchmark view), EXCEPT / INTERSECT through union, negate and threshold, top-k over aggregates,
 * distinct over joins, and deeper nestings where one input feeds several branches.
 */
import type { Plan } from '../../protocol/compute/plan.js';
import { call, col, get, lit, runDifferential, smallInt, smallText, type InputSpec } from './engine-harness.js';

const SEEDS = [11, 12, 13, 14, 15, 16];
const A: InputSpec = { name: 'A', columns: [smallInt(), smallInt(5)] };
const B: InputSpec = { name: 'B', columns: [smallInt(), smallInt(3)] };

function differential(plan: Plan, inputs: InputSpec[]): void {
  const all = SEEDS.map((seed) => runDifferential(plan, inputs, { seed, times: 16 }));
  expect(all.reduce((n, s) => n + s.nonEmpty, 0)).toBeGreaterThan(SEEDS.length * 3);
  expect(all.reduce((n, s) => n + s.pastPeeks, 0)).toBeGreaterThan(0);
}

const joinAB: Plan = { op: 'join', inputs: [get('A', 2), get('B', 2)], equivalences: [[0, 2]] };

test('SELECT k, count(*), sum(v*w) FROM A JOIN B USING (k) GROUP BY k', () => {
  differential(
    {
      op: 'reduce',
      input: joinAB,
      groupKey: [0],
      aggregates: [
        { fn: 'count_star', expr: lit(null) },
        { fn: 'sum', expr: call('*', col(1), col(3)) },
      ],
    },
    [A, B],
  );
});

test('EXCEPT (distinct A minus B) and EXCEPT ALL', () => {
  const exceptAll: Plan = { op: 'threshold', input: { op: 'union', inputs: [get('A', 2), { op: 'negate', input: get('B', 2) }] } };
  differential(exceptAll, [A, B]);
  const except: Plan = {
    op: 'threshold',
    input: { op: 'union', inputs: [{ op: 'distinct', input: get('A', 2) }, { op: 'negate', input: { op: 'distinct', input: get('B', 2) } }] },
  };
  differential(except, [A, B]);
});

test('INTERSECT as a join on all columns of the distinct inputs', () => {
  const intersect: Plan = {
    op: 'distinct',
    input: {
      op: 'project',
      input: { op: 'join', inputs: [{ op: 'distinct', input: get('A', 2) }, { op: 'distinct', input: get('B', 2) }], equivalences: [[0, 2], [1, 3]] },
      columns: [0, 1],
    },
  };
  differential(intersect, [
    { name: 'A', columns: [smallInt(3), smallInt(3)] },
    { name: 'B', columns: [smallInt(3), smallInt(3)] },
  ]);
});

test('top-2 groups by a sum, per group of a reduce over a join', () => {
  const perKey: Plan = {
    op: 'reduce',
    input: joinAB,
    groupKey: [0, 3],
    aggregates: [{ fn: 'sum', expr: col(1) }],
  };
  differential({ op: 'topk', input: perKey, groupKey: [0], order: [{ column: 2, desc: true, nullsFirst: false }], limit: 2, offset: 0 }, [A, B]);
});

test('a reduce joined back to its input, filtered (HAVING) and mapped', () => {
  const stats: Plan = {
    op: 'filter',
    input: {
      op: 'reduce',
      input: get('A', 2),
      groupKey: [0],
      aggregates: [
        { fn: 'max', expr: col(1) },
        { fn: 'count', expr: col(1) },
      ],
    },
    predicates: [call('>', col(2), lit(1))],
  };
  const plan: Plan = {
    op: 'map',
    input: { op: 'join', inputs: [get('A', 2), stats], equivalences: [[0, 2], [1, 3]] },
    exprs: [call('||', lit('max='), col(1))],
  };
  differential(plan, [A]);
});

test('one input feeding several branches: union of a distinct, a negated filter and a min per text', () => {
  const C: InputSpec = { name: 'C', columns: [smallInt(3), smallText] };
  const plan: Plan = {
    op: 'union',
    inputs: [
      { op: 'distinct', input: get('C', 2) },
      { op: 'negate', input: { op: 'filter', input: get('C', 2), predicates: [call('starts_with', col(1), lit('a'))] } },
      { op: 'project', input: { op: 'reduce', input: get('C', 2), groupKey: [1], aggregates: [{ fn: 'min', expr: col(0) }] }, columns: [1, 0] },
    ],
  };
  differential(plan, [C]);
});

test('count of distinct join keys across three inputs, and a global count over a cross product', () => {
  const C: InputSpec = { name: 'C', columns: [smallInt(), smallText] };
  differential(
    {
      op: 'reduce',
      input: { op: 'join', inputs: [get('A', 2), get('B', 2), get('C', 2)], equivalences: [[0, 2, 4]] },
      groupKey: [],
      aggregates: [
        { fn: 'count_distinct', expr: col(0) },
        { fn: 'count_star', expr: lit(null) },
        { fn: 'avg', expr: col(3) },
      ],
    },
    [A, B, C],
  );
  differential(
    {
      op: 'reduce',
      input: { op: 'join', inputs: [get('A', 2), get('B', 2)], equivalences: [] },
      groupKey: [],
      aggregates: [{ fn: 'count_star', expr: lit(null) }],
    },
    [A, B],
  );
});

test('a reduce over a join (the join fused into it): failing aggregate inputs, and the same join also read unfused', () => {
  // v / w fails where w = 0: the fused join's rows still reach the error collection.
  differential(
    {
      op: 'reduce',
      input: joinAB,
      groupKey: [0],
      aggregates: [
        { fn: 'sum', expr: call('/', col(1), col(3)) },
        { fn: 'max', expr: col(3) },
      ],
    },
    [A, B],
  );
  // The join read as rows by one branch and through a reduce by the other.
  differential(
    {
      op: 'union',
      inputs: [
        { op: 'project', input: joinAB, columns: [0, 3] },
        { op: 'reduce', input: joinAB, groupKey: [0], aggregates: [{ fn: 'count_star', expr: lit(null) }] },
      ],
    },
    [A, B],
  );
});
