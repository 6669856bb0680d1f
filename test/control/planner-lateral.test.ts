/**
 * LATERAL and set-returning functions in the select list at the planner level (reference
 * evaluator, optimized and unoptimized plans must agree): expected rows are PostgreSQL 15's
 * answers for the fixture's tables (planner-fixture.ts).
 */
import { bag, errorOf, setup } from './planner-fixture.js';

beforeAll(setup);

test('a LATERAL subquery reading the outer row, comma and CROSS JOIN', () => {
  expect(bag('SELECT d.id, s.name FROM dept d, LATERAL (SELECT name FROM emp WHERE emp.dept = d.id) s')).toEqual([[10, 'ann'], [10, 'bob'], [20, 'cat']]);
  expect(bag('SELECT d.id, s.c FROM dept d CROSS JOIN LATERAL (SELECT count(*) AS c FROM emp WHERE emp.dept = d.id) s')).toEqual([[10, 2], [20, 1], [40, 0]]);
  expect(bag('SELECT d.id, s.name FROM dept d, LATERAL (SELECT name FROM emp WHERE emp.dept = d.id ORDER BY name DESC LIMIT 1) s')).toEqual([[10, 'bob'], [20, 'cat']]);
});

test('LEFT JOIN LATERAL ... ON true keeps outer rows without matches', () => {
  expect(bag('SELECT d.id, s.name FROM dept d LEFT JOIN LATERAL (SELECT name FROM emp WHERE emp.dept = d.id ORDER BY name LIMIT 1) s ON true')).toEqual([[10, 'ann'], [20, 'cat'], [40, null]]);
  expect(bag("SELECT d.id, s.name FROM dept d LEFT JOIN LATERAL (SELECT name FROM emp WHERE emp.dept = d.id) s ON s.name <> 'ann'")).toEqual([[10, 'bob'], [20, 'cat'], [40, null]]);
});

test('functions in FROM over the outer row', () => {
  expect(bag('SELECT id, g FROM dept, generate_series(1, id / 10) g')).toEqual([[10, 1], [20, 1], [20, 2], [40, 1], [40, 2], [40, 3], [40, 4]]);
  expect(bag('SELECT n, g FROM nums LEFT JOIN LATERAL generate_series(1, n) g ON true')).toEqual([[null, null], [null, null], [1, 1], [1, 1], [2, 1], [2, 2], [3, 1], [3, 2], [3, 3]]);
  expect(bag('SELECT x FROM (SELECT ARRAY[id, id + 1] AS a FROM dept) t, unnest(t.a) x')).toEqual([[10], [11], [20], [21], [40], [41]]);
});

test('set-returning functions in the select list, zipped', () => {
  expect(bag('SELECT n, generate_series(1, n) FROM nums WHERE n > 1')).toEqual([[2, 1], [2, 2], [3, 1], [3, 2], [3, 3]]);
  expect(bag('SELECT generate_series(1, 3), unnest(ARRAY[10, 20])')).toEqual([[1, 10], [2, 20], [3, null]]);
  expect(bag('SELECT generate_series(1, 2) + generate_series(1, 3)')).toEqual([[null], [2], [4]]);
  expect(bag('SELECT (information_schema._pg_expandarray(ARRAY[5, 6])).x, (information_schema._pg_expandarray(ARRAY[5, 6])).n')).toEqual([[5, 1], [6, 2]]);
  expect(bag('SELECT (r.k).x, (r.k).n FROM (SELECT information_schema._pg_expandarray(ARRAY[7, 8]) AS k) r')).toEqual([[7, 1], [8, 2]]);
});

test('errors', () => {
  expect(errorOf('SELECT * FROM dept d RIGHT JOIN LATERAL (SELECT d.id) s ON true').sqlstate).toBe('42P10');
  expect(errorOf('SELECT count(generate_series(1, 2))').sqlstate).toBe('0A000');
  expect(errorOf('SELECT * FROM dept d, (SELECT d.id) s').sqlstate).toBe('42P01');
});
