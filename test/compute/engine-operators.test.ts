/**
 * Differential tests of every operator and every aggregate: random update streams (with
 * retractions and NULLs) over several timestamps, compared with the reference evaluator at every
 * timestamp (see engine-harness.ts).
 */
import type { Aggregate, AggregateFunction, Expr, Plan } from '../../protocol/compute/plan.js';
import { WINDOW_FUNCTIONS, type WindowCall } from '../../protocol/compute/window.js';
import { call, col, get, lit, runDifferential, smallFloat, smallInt, smallText, type DiffStats, type InputSpec } from './engine-harness.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const A: InputSpec = { name: 'A', columns: [smallInt(), smallInt(5)] };
const B: InputSpec = { name: 'B', columns: [smallInt(), smallInt(3)] };
const C: InputSpec = { name: 'C', columns: [smallInt(3), smallText] };
const F: InputSpec = { name: 'F', columns: [smallInt(3), smallFloat, smallText] };

/** Runs every seed and checks the scenarios were not vacuous. */
function differential(plan: Plan, inputs: InputSpec[], expectErrors = false): DiffStats[] {
  const all = SEEDS.map((seed) => runDifferential(plan, inputs, { seed }));
  expect(all.reduce((n, s) => n + s.nonEmpty, 0)).toBeGreaterThan(SEEDS.length * 3);
  expect(all.reduce((n, s) => n + s.outputUpdates, 0)).toBeGreaterThan(0);
  if (expectErrors) expect(all.reduce((n, s) => n + s.withErrors, 0)).toBeGreaterThan(0);
  return all;
}

test('get', () => {
  differential(get('A', 2), [A]);
});

test('constant, and union of a constant with an input', () => {
  const constant: Plan = { op: 'constant', rows: [[[1, 2], 2], [[null, 3], 1]], arity: 2 };
  differential({ op: 'union', inputs: [constant, get('A', 2)] }, [A]);
});

test('map with arithmetic, case, coalesce and comparisons', () => {
  const plan: Plan = {
    op: 'map',
    input: get('A', 2),
    exprs: [
      call('+', col(0), call('*', col(1), lit(2))),
      { op: 'case', whens: [{ when: call('>', col(0), col(1)), then: lit('gt') }, { when: call('is_null', col(0)), then: lit('null') }], else: lit('le') },
      call('coalesce', col(0), col(1), lit(-1)),
      call('=', col(2), col(4)), // refers to earlier appended columns
    ],
  };
  differential(plan, [A]);
});

test('map with an expression that fails on some rows (division by zero) reports errors that heal', () => {
  const plan: Plan = { op: 'map', input: get('A', 2), exprs: [call('/', lit(12), col(1))] };
  differential(plan, [A], true);
});

test('filter with three-valued logic', () => {
  const plan: Plan = {
    op: 'filter',
    input: get('A', 2),
    predicates: [call('or', call('<', col(0), lit(2)), call('is_null', col(1))), call('not', call('=', col(0), lit(1)))],
  };
  differential(plan, [A]);
});

test('project that repeats and reorders columns', () => {
  differential({ op: 'project', input: get('C', 2), columns: [1, 0, 1] }, [C]);
});

test('fused map, filter, project chain on text', () => {
  const plan: Plan = {
    op: 'project',
    input: {
      op: 'filter',
      input: { op: 'map', input: get('C', 2), exprs: [call('upper', col(1)), call('like', col(1), lit('a%'))] },
      predicates: [call('is_not_null', col(2))],
    },
    columns: [0, 2, 3],
  };
  differential(plan, [C]);
});

test('two-way equi-join', () => {
  differential({ op: 'join', inputs: [get('A', 2), get('B', 2)], equivalences: [[0, 2]] }, [A, B]);
});

test('join on two columns', () => {
  differential({ op: 'join', inputs: [get('A', 2), get('B', 2)], equivalences: [[0, 2], [1, 3]] }, [
    { name: 'A', columns: [smallInt(2), smallInt(2)] },
    { name: 'B', columns: [smallInt(2), smallInt(2)] },
  ]);
});

test('three-way join (chain) and a class spanning three inputs', () => {
  differential({ op: 'join', inputs: [get('A', 2), get('B', 2), get('C', 2)], equivalences: [[1, 2], [3, 4]] }, [
    { name: 'A', columns: [smallInt(), smallInt(3)] },
    { name: 'B', columns: [smallInt(3), smallInt(3)] },
    C,
  ]);
  differential({ op: 'join', inputs: [get('A', 2), get('B', 2), get('C', 2)], equivalences: [[0, 2], [4, 0]] }, [A, B, C]);
});

test('self-join (one input read twice, one shared arrangement)', () => {
  differential({ op: 'join', inputs: [get('A', 2), get('A', 2)], equivalences: [[0, 3]] }, [A]);
});

test('cross product, and a class with two columns of one input', () => {
  const tiny: Array<InputSpec> = [
    { name: 'A', columns: [smallInt(2), smallInt(2)] },
    { name: 'B', columns: [smallInt(2), smallInt(2)] },
  ];
  differential({ op: 'join', inputs: [get('A', 2), get('B', 2)], equivalences: [] }, tiny);
  differential({ op: 'join', inputs: [get('A', 2), get('B', 2)], equivalences: [[0, 1, 2]] }, tiny);
  differential({ op: 'join', inputs: [get('A', 2)], equivalences: [[0, 1]] }, tiny.slice(0, 1));
});

const AGGREGATES: AggregateFunction[] = ['count', 'count_star', 'sum', 'min', 'max', 'avg', 'count_distinct'];

test.each(['sum', 'avg', 'sum_numeric', 'avg_numeric'] as AggregateFunction[])('reduce with %s(DISTINCT), grouped and global', (fn) => {
  const agg = (index: number): Aggregate => ({ fn, expr: col(index), distinct: true });
  differential({ op: 'reduce', input: get('A', 2), groupKey: [0], aggregates: [agg(1), { fn: 'count', expr: col(1) }] }, [A]);
  differential({ op: 'reduce', input: get('A', 2), groupKey: [], aggregates: [agg(1)] }, [A]);
});

test.each(AGGREGATES)('reduce with %s, grouped and global', (fn) => {
  const agg = (index: number): Aggregate => ({ fn, expr: col(index) });
  differential({ op: 'reduce', input: get('A', 2), groupKey: [0], aggregates: [agg(1)] }, [A]);
  differential({ op: 'reduce', input: get('A', 2), groupKey: [], aggregates: [agg(1)] }, [A]);
  // Floats (exact sums), and text for min / max / count(distinct).
  if (fn === 'sum' || fn === 'avg') differential({ op: 'reduce', input: get('F', 3), groupKey: [0], aggregates: [agg(1)] }, [F]);
  else differential({ op: 'reduce', input: get('F', 3), groupKey: [0], aggregates: [agg(2), agg(1)] }, [F]);
});

// The extended aggregates over their own kinds: booleans (a comparison that may be NULL), texts
// (in both orders, with a separator), floats (the variance family); and given the wrong kind, an
// evaluation error, the same in the engine and the reference.
test.each(['bool_and', 'bool_or', 'string_agg', 'var_samp', 'var_pop', 'stddev_samp', 'stddev_pop'] as AggregateFunction[])('reduce with %s, grouped and global', (fn) => {
  const arg: Expr = fn.startsWith('bool') ? call('>', col(1), lit(0.4)) : fn === 'string_agg' ? col(2) : col(1);
  for (const desc of fn === 'string_agg' ? [false, true] : [false]) {
    const agg: Aggregate = { fn, expr: arg, ...(fn === 'string_agg' ? { separator: ', ', desc } : {}) };
    differential({ op: 'reduce', input: get('F', 3), groupKey: [0], aggregates: [agg] }, [F]);
    differential({ op: 'reduce', input: get('F', 3), groupKey: [], aggregates: [agg] }, [F]);
  }
  const wrong: Aggregate = { fn, expr: fn === 'string_agg' ? col(1) : col(2) };
  differential({ op: 'reduce', input: get('F', 3), groupKey: [0], aggregates: [wrong] }, [F], true);
});

test('reduce with several aggregates, a two-column key and an aggregate expression that can fail', () => {
  const plan: Plan = {
    op: 'reduce',
    input: get('A', 2),
    groupKey: [0, 1],
    aggregates: [
      { fn: 'count_star', expr: lit(null) },
      { fn: 'sum', expr: call('div_int', lit(10), col(0)) },
      { fn: 'max', expr: col(1) },
    ],
  };
  differential(plan, [A], true);
});

test('distinct', () => {
  differential({ op: 'distinct', input: get('A', 2) }, [A]);
});

test('negate and union', () => {
  differential({ op: 'union', inputs: [get('A', 2), { op: 'negate', input: get('B', 2) }, get('A', 2)] }, [A, B]);
});

test('threshold (EXCEPT ALL)', () => {
  differential({ op: 'threshold', input: { op: 'union', inputs: [get('A', 2), { op: 'negate', input: get('B', 2) }] } }, [A, B]);
});

test('topk with groups, offset and limit', () => {
  const plan: Plan = {
    op: 'topk',
    input: get('A', 2),
    groupKey: [0],
    order: [{ column: 1, desc: true, nullsFirst: true }],
    limit: 2,
    offset: 1,
  };
  differential(plan, [A]);
});

test('topk without groups or limit, nulls last, on text', () => {
  differential({ op: 'topk', input: get('C', 2), groupKey: [], order: [{ column: 1, desc: false, nullsFirst: false }], offset: 2 }, [C]);
  differential({ op: 'topk', input: get('C', 2), groupKey: [], order: [{ column: 1, desc: false, nullsFirst: false }], limit: 3, offset: 0 }, [C]);
});

// Window functions: each function over partitions by column 0, ordered by column 1 (NULLs and
// ties included), in the three frames; the engine re-evaluates touched partitions, the reference
// every partition from scratch.
test.each(WINDOW_FUNCTIONS.filter((f) => f !== 'ntile'))('window %s, partitioned and global', (fn) => {
  for (const frame of ['range', 'rows', 'partition'] as const) {
    const call: WindowCall = { fn, ...(fn.match(/rank|row_number|count_star/) ? {} : { column: 1 }), frame, ...(fn === 'lag' || fn === 'lead' ? { offset: 2, default: -1 } : {}) };
    for (const partitionBy of [[0], []]) {
      differential({ op: 'window', input: get('A', 2), partitionBy, orderBy: [{ column: 1, desc: frame === 'rows', nullsFirst: false }], functions: [call] }, [A]);
    }
  }
});

test('window ntile and several calls over one partitioning, with no ORDER BY', () => {
  differential({ op: 'window', input: get('A', 2), partitionBy: [0], orderBy: [{ column: 1, desc: false, nullsFirst: true }], functions: [{ fn: 'ntile', offset: 3 }, { fn: 'row_number' }, { fn: 'sum', column: 1 }] }, [A]);
  differential({ op: 'window', input: get('A', 2), partitionBy: [0], orderBy: [], functions: [{ fn: 'count_star' }, { fn: 'last_value', column: 1 }, { fn: 'rank' }] }, [A]);
});

// flat_map (table functions per row) and arrays: the engine against the reference evaluator.
test('flat_map generate_series and unnest per row, with NULL bounds, a zero step (errors) and arrays from array_agg', () => {
  differential({ op: 'flat_map', input: get('A', 2), func: 'generate_series', exprs: [col(0), col(1)] }, [A]);
  differential({ op: 'flat_map', input: get('A', 2), func: 'generate_series', exprs: [lit(0), col(1), col(0)] }, [A], true);
  differential({ op: 'flat_map', input: get('A', 2), func: 'unnest', exprs: [call('array', col(0), col(1), lit(null))] }, [A]);
  const agg: Plan = { op: 'reduce', input: get('A', 2), groupKey: [0], aggregates: [{ fn: 'array_agg', expr: col(1) }, { fn: 'array_agg', expr: col(1), desc: true }] };
  differential(agg, [A]);
  differential({ op: 'flat_map', input: agg, func: 'unnest', exprs: [col(1)] }, [A]);
  differential({ op: 'map', input: agg, exprs: [call('eq_any', lit(2), col(1)), call('array_to_string', col(2), lit(','), lit('*')), call('array_subscript', col(1), lit(2))] }, [A]);
});
