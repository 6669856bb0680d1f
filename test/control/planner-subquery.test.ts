/**
 * Subqueries in expressions (planner level, reference evaluator): scalar, EXISTS, IN / NOT IN,
 * uncorrelated and correlated, with NULLs, empty subqueries, the count bug and the too-many-rows
 * error. Expected rows are PostgreSQL 15's answers for the fixture's tables (planner-fixture.ts).
 */
import { evaluatePlan } from '../../protocol/compute/reference.js';
import { planQueryText } from '../../actors/control/sql/index.js';
import { bag, errorOf, inputsFor, resolver, rows, setup, sorted } from './planner-fixture.js';

beforeAll(setup);

test('uncorrelated scalar subqueries in the select list, WHERE and HAVING', () => {
  expect(rows('SELECT (SELECT max(n) FROM nums)')).toEqual([[3]]);
  expect(rows('SELECT (SELECT x FROM empty)')).toEqual([[null]]);
  expect(bag('SELECT id FROM emp WHERE salary > (SELECT avg(salary) FROM emp)')).toEqual([[2], [5]]);
  expect(bag('SELECT dept, count(*) FROM emp GROUP BY dept HAVING count(*) >= (SELECT count(*) FROM dept WHERE id = 10) + 1')).toEqual([[10, 2]]);
  expect(bag('SELECT id, (SELECT min(n) FROM nums2) + id FROM emp WHERE id < 3')).toEqual([[1, 2], [2, 3]]);
});

test('a scalar subquery of more than one row is an evaluation error, of none is NULL', () => {
  const planned = planQueryText('SELECT (SELECT n FROM nums2 WHERE n = 2) FROM dept', resolver);
  expect(() => evaluatePlan(planned.plan, inputsFor(planned))).toThrow(/more than one row returned by a subquery used as an expression/);
  expect(rows('SELECT (SELECT n FROM nums2 WHERE n = 4)')).toEqual([[4]]);
  expect(rows('SELECT (SELECT n FROM nums2 WHERE n = 2) FROM empty')).toEqual([]);
});

test('scalar subqueries of bool, float and text', () => {
  expect(rows("SELECT (SELECT active FROM emp WHERE id = 1), (SELECT budget FROM dept WHERE id = 10), true IN (SELECT active FROM emp), 'ann' NOT IN (SELECT name FROM emp WHERE id > 1)")).toEqual([[true, 1000.5, true, true]]);
});

test('EXISTS and NOT EXISTS, uncorrelated', () => {
  expect(rows('SELECT EXISTS (SELECT 1 FROM empty), NOT EXISTS (SELECT * FROM empty), EXISTS (SELECT * FROM nums)')).toEqual([[false, true, true]]);
  expect(bag('SELECT id FROM dept WHERE EXISTS (SELECT 1 FROM nums WHERE n = 3)')).toEqual([[10], [20], [40]]);
});

test('IN and NOT IN with NULLs, as Postgres', () => {
  // nums2: 1, 2, 2, NULL, 4
  expect(rows('SELECT n, n IN (SELECT n FROM nums2), n NOT IN (SELECT n FROM nums2) FROM nums ORDER BY 1, 2, 3')).toEqual([
    [1, true, false], [1, true, false], [2, true, false], [3, null, null], [null, null, null], [null, null, null],
  ]);
  expect(bag('SELECT n, n IN (SELECT n FROM nums2 WHERE n IS NOT NULL) FROM nums')).toEqual(bag("SELECT n, CASE WHEN n IS NULL THEN NULL ELSE n IN (1, 2, 4) END FROM nums"));
  expect(bag('SELECT n, n IN (SELECT x FROM empty), n NOT IN (SELECT x FROM empty) FROM nums WHERE n IS NULL')).toEqual([[null, false, true], [null, false, true]]);
  expect(bag('SELECT id FROM emp WHERE dept IN (SELECT id FROM dept)')).toEqual([[1], [2], [3]]);
  expect(bag('SELECT id FROM emp WHERE dept NOT IN (SELECT id FROM dept)')).toEqual([[5]]);
  expect(errorOf("SELECT id FROM emp WHERE dept IN (SELECT '10')").sqlstate).toBe('42804'); // Postgres: 42883, int = text
});

test('correlated scalar, EXISTS and IN, and the count bug', () => {
  expect(bag('SELECT id, (SELECT count(*) FROM emp e WHERE e.dept = d.id) FROM dept d')).toEqual([[10, 2], [20, 1], [40, 0]]);
  expect(bag('SELECT id, (SELECT sum(salary) FROM emp e WHERE e.dept = d.id) FROM dept d')).toEqual([[10, 300], [20, null], [40, null]]);
  expect(bag('SELECT id, (SELECT name FROM emp e WHERE e.id = d.id / 10) FROM dept d')).toEqual([[10, 'ann'], [20, 'bob'], [40, 'dan']]);
  expect(bag('SELECT id FROM dept d WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.id AND e.active)')).toEqual([[10], [20]]);
  expect(bag('SELECT id FROM dept d WHERE NOT EXISTS (SELECT 1 FROM emp WHERE dept = d.id)')).toEqual([[40]]);
  expect(bag('SELECT name FROM emp e WHERE salary > (SELECT avg(salary) FROM emp f WHERE f.dept = e.dept)')).toEqual([['bob']]);
  expect(bag('SELECT id FROM emp e WHERE id IN (SELECT n FROM nums WHERE n <= e.dept / 10)')).toEqual([[1]]);
  expect(bag('SELECT id, (SELECT count(*) + 1 FROM emp e WHERE e.dept = d.id) FROM dept d')).toEqual([[10, 3], [20, 2], [40, 1]]);
});

test('a correlated scalar subquery of more than one row for some outer row errors; EXISTS of an aggregate is true', () => {
  const planned = planQueryText('SELECT (SELECT name FROM emp e WHERE e.dept = d.id) FROM dept d', resolver);
  expect(() => evaluatePlan(planned.plan, inputsFor(planned))).toThrow(/more than one row returned by a subquery/);
  expect(bag('SELECT (SELECT name FROM emp e WHERE e.dept = d.id) FROM dept d WHERE id > 10')).toEqual([[null], ['cat']]);
  expect(bag('SELECT id, EXISTS (SELECT count(*) FROM emp e WHERE e.dept = d.id) FROM dept d')).toEqual([[10, true], [20, true], [40, true]]);
  expect(errorOf('SELECT (SELECT (SELECT count(*) FROM nums WHERE n = d.id) FROM emp LIMIT 1) FROM dept d').sqlstate).toBe('0A000');
});

test('where subqueries are not supported, and wrong shapes', () => {
  expect(errorOf('SELECT * FROM emp JOIN dept ON emp.dept IN (SELECT 1)').sqlstate).toBe('0A000');
  expect(errorOf('SELECT (SELECT id, name FROM emp)').sqlstate).toBe('42601');
  expect(errorOf('SELECT id FROM emp e WHERE dept IN (SELECT dname FROM dept)').sqlstate).toBe('42804');
  expect(errorOf('SELECT (SELECT nope FROM emp)').sqlstate).toBe('42703');
});

test('subqueries in ORDER BY, under GROUP BY, nested, over CTEs and views', () => {
  expect(rows('SELECT id FROM dept ORDER BY (SELECT count(*) FROM emp WHERE emp.dept = dept.id), id')).toEqual([[40], [20], [10]]);
  expect(bag('SELECT dept, count(*), (SELECT dname FROM dept d WHERE d.id = emp.dept) FROM emp GROUP BY dept')).toEqual(sorted([[10, 2, 'eng'], [20, 1, 'ops'], [30, 1, null], [null, 1, null]]));
  expect(errorOf('SELECT dept, (SELECT dname FROM dept d WHERE d.id = emp.id) FROM emp GROUP BY dept').sqlstate).toBe('42803');
  expect(rows('SELECT (SELECT max(n) FROM nums WHERE n < (SELECT max(n) FROM nums2 WHERE n < 3))')).toEqual([[1]]);
  expect(rows('WITH c AS (SELECT n FROM nums2 WHERE n > 1) SELECT (SELECT count(*) FROM c), 2 IN (SELECT n FROM c)')).toEqual([[3, true]]);
  expect(bag('SELECT id FROM emp WHERE id IN (SELECT id FROM eng)')).toEqual([[1], [2]]);
  expect(bag('SELECT id FROM emp e WHERE EXISTS (SELECT 1 FROM nums WHERE n = e.id) AND id NOT IN (SELECT n FROM nums2 WHERE n IS NOT NULL)')).toEqual([[3]]);
  expect(bag('SELECT DISTINCT (SELECT count(*) FROM nums WHERE n = e.id) FROM emp e')).toEqual([[0], [1], [2]]);
});

test('correlated subqueries: NULL outer values, a correlated predicate on an expression, shapes refused', () => {
  // emp 4 has dept NULL: the subquery over dept = NULL is empty.
  expect(bag('SELECT id, (SELECT count(*) FROM dept WHERE dept.id = emp.dept), EXISTS (SELECT 1 FROM dept WHERE dept.id = emp.dept) FROM emp')).toEqual([
    [1, 1, true], [2, 1, true], [3, 1, true], [4, 0, false], [5, 0, false],
  ]);
  expect(bag('SELECT id, (SELECT count(*) FROM nums WHERE n IS NOT DISTINCT FROM e.dept / 10) FROM emp e')).toEqual([[1, 2], [2, 2], [3, 1], [4, 2], [5, 1]]);
  expect(errorOf('SELECT (SELECT count(*) FROM emp WHERE dept = d.id GROUP BY dept) FROM dept d').sqlstate).toBe('0A000');
  expect(errorOf('SELECT (SELECT id FROM emp WHERE dept = d.id LIMIT 1) FROM dept d').sqlstate).toBe('0A000');
  expect(errorOf('SELECT (SELECT 1 FROM emp WHERE dept = d.id AND EXISTS (SELECT 1)) FROM dept d').sqlstate).toBe('0A000');
});
