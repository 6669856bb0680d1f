/**
 * keyLookup (actors/control/key-lookup.ts): which filters of a plan over one index become the
 * peek's key lookup, and which must not (a lookup reads only the rows with the given key values,
 * so it may only come from predicates every answer row satisfies).
 */
import { keyLookup } from '../../actors/control/key-lookup.js';
import type { Expr, Plan } from '../../protocol/compute/plan.js';
import type { ColumnType, Value } from '../../protocol/types.js';

const get: Plan = { op: 'get', name: 'i', arity: 3 };
const col = (index: number): Expr => ({ op: 'col', index });
const lit = (value: Value, type: ColumnType): Expr => ({ op: 'lit', value, type });
const eq = (a: Expr, b: Expr): Expr => ({ op: 'call', fn: '=', args: [a, b] });
const filter = (input: Plan, ...predicates: Expr[]): Plan => ({ op: 'filter', input, predicates });
const keys = [2, 0];
const types: ColumnType[] = ['text', 'int'];

test('every key column set equal to a literal of its type gives one tuple, in key order', () => {
  expect(keyLookup(filter(get, eq(col(0), lit(5, 'int')), eq(lit('a', 'text'), col(2))), keys, types)).toEqual([['a', 5]]);
  // across several filters, with a map between them and a projection on top
  const mapped: Plan = { op: 'map', input: filter(get, eq(col(2), lit('b', 'text'))), exprs: [lit(1, 'int')] };
  // through the projection the planner puts right above the index's rows (pruned columns)
  expect(keyLookup(filter({ op: 'project', input: get, columns: [0, 2] }, eq(col(1), lit('a', 'text')), eq(col(0), lit(5, 'int'))), keys, types)).toEqual([['a', 5]]);
  expect(keyLookup({ op: 'project', input: filter(mapped, eq(col(0), lit(9, 'int')), { op: 'call', fn: '>', args: [col(1), lit(0, 'int')] }), columns: [1] }, keys, types)).toEqual([['b', 9]]);
});

test('IN lists (ORs of equalities on one column) and ANDs give the product of their values', () => {
  const inList = (c: number, ...values: Expr[]): Expr => ({ op: 'call', fn: 'or', args: values.map((v) => eq(col(c), v)) });
  expect(keyLookup(filter(get, inList(0, lit(1, 'int'), lit(2, 'int')), inList(2, lit('a', 'text'), lit('b', 'text'))), keys, types)).toEqual([
    ['a', 1],
    ['a', 2],
    ['b', 1],
    ['b', 2],
  ]);
  expect(keyLookup(filter(get, { op: 'call', fn: 'and', args: [eq(col(0), lit(3, 'int')), eq(col(2), lit('c', 'text'))] }), keys, types)).toEqual([['c', 3]]);
  // more tuples than a peek should carry: read every row instead
  const many = Array.from({ length: 40 }, (_, i) => lit(i, 'int'));
  const words = Array.from({ length: 40 }, (_, i) => lit(`w${i}`, 'text'));
  expect(keyLookup(filter(get, inList(0, ...many), inList(2, ...words)), keys, types)).toBeUndefined();
});

test('no lookup when a key column is not fixed, or fixed by anything but a plain literal of its own type', () => {
  const a = eq(col(2), lit('a', 'text'));
  for (const other of [
    undefined, // only part of the key
    { op: 'call', fn: '<', args: [col(0), lit(5, 'int')] } as Expr, // a range
    eq(col(0), lit(5, 'float')), // another type
    eq(col(0), lit(null, 'int')), // NULL: never equal
    eq(col(0), lit(Number.NaN, 'int')),
    eq({ op: 'call', fn: '+', args: [col(0), lit(1, 'int')] }, lit(5, 'int')), // an expression of the column
    { op: 'call', fn: 'or', args: [eq(col(0), lit(5, 'int')), eq(col(1), lit(6, 'int'))] } as Expr, // an OR across columns
    { op: 'call', fn: 'or', args: [eq(col(0), lit(5, 'int')), eq(col(0), lit(null, 'int'))] } as Expr, // NULL in an IN list
  ]) {
    expect(keyLookup(filter(get, ...(other ? [a, other] : [a])), keys, types)).toBeUndefined();
  }
  // a filter above a projection is read in the projected columns: here column 2 is the index's 0
  expect(keyLookup(filter({ op: 'project', input: get, columns: [2, 1, 0] }, eq(col(2), lit('a', 'text')), eq(col(0), lit(5, 'int'))), keys, types)).toBeUndefined();
  // a column a map computed is no key column
  const computed: Plan = { op: 'map', input: get, exprs: [col(2)] };
  expect(keyLookup(filter(computed, eq(col(3), lit('a', 'text')), eq(col(0), lit(5, 'int'))), keys, types)).toBeUndefined();
  // not a linear plan over the index, or an index without key columns
  expect(keyLookup({ op: 'distinct', input: filter(get, a, eq(col(0), lit(5, 'int'))) } as Plan, keys, types)).toBeUndefined();
  expect(keyLookup(filter(get, a), [], [])).toBeUndefined();
});
