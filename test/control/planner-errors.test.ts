/**
 * The SQL planner's errors: each is a SqlError with Postgres' SQLSTATE, a message naming what is
 * wrong, and (for what the user typed) the 1-based character position of the culprit.
 */
import { parseQuery, planQueryText } from '../../actors/control/sql/index.js';
import { errorOf, query, resolver, setup, sqlError } from './planner-fixture.js';

beforeAll(setup);

test('42601 syntax errors carry the position libpg-query reports, offset into the whole input', () => {
  expect(errorOf('SELECT * FORM emp')).toMatchObject({ sqlstate: '42601', message: 'syntax error at or near "FORM"', position: 10 });
  expect(errorOf('SELECT x FROM')).toMatchObject({ sqlstate: '42601', message: expect.stringContaining('end of input') });
  const e = sqlError(() => planQueryText('SELECT * FORM emp', resolver, { offset: 100 }));
  expect(e.details['position']).toBe(110);
  expect(errorOf('SELECT 1, 2 UNION SELECT 1')).toMatchObject({ sqlstate: '42601', message: expect.stringContaining('same number of columns') });
});

test('42P01 undefined tables', () => {
  expect(errorOf('SELECT * FROM nope')).toMatchObject({ sqlstate: '42P01', message: 'relation "nope" does not exist', position: 15 });
  expect(errorOf('SELECT nope.id FROM emp')).toMatchObject({ sqlstate: '42P01', message: expect.stringContaining('missing FROM-clause entry for table "nope"') });
  expect(errorOf('SELECT * FROM other.emp')).toMatchObject({ sqlstate: '42P01' });
});

test('42703 undefined columns, 42702 ambiguous ones', () => {
  expect(errorOf('SELECT nope FROM emp')).toMatchObject({ sqlstate: '42703', message: 'column "nope" does not exist', position: 8 });
  expect(errorOf('SELECT emp.nope FROM emp')).toMatchObject({ sqlstate: '42703', message: 'column emp.nope does not exist' });
  expect(errorOf('SELECT e.id FROM emp AS e JOIN dept d USING (nope)')).toMatchObject({ sqlstate: '42703', message: expect.stringContaining('USING clause') });
  expect(errorOf('SELECT id FROM emp, dept')).toMatchObject({ sqlstate: '42702', message: 'column reference "id" is ambiguous', position: 8 });
  expect(() => query('SELECT emp.id FROM emp, dept')).not.toThrow();
  // positions count characters, not UTF-8 bytes
  expect(errorOf(`SELECT 'é', nope FROM emp`)).toMatchObject({ sqlstate: '42703', position: 13 });
});

test('42883 undefined functions and functions of the wrong arguments', () => {
  expect(errorOf('SELECT nofunc(1)')).toMatchObject({ sqlstate: '42883', message: 'function nofunc(int) does not exist' });
  expect(errorOf('SELECT lower(1)')).toMatchObject({ sqlstate: '42883', message: 'function lower(int) does not exist' });
  expect(errorOf('SELECT sum(name) FROM emp')).toMatchObject({ sqlstate: '42883' });
  expect(errorOf('SELECT substr(name) FROM emp')).toMatchObject({ sqlstate: '42883' });
});

test('42804 datatype mismatches', () => {
  expect(errorOf('SELECT * FROM emp WHERE name = 1')).toMatchObject({ sqlstate: '42804', message: 'cannot compare text with int (operator =)', position: 30 });
  expect(errorOf('SELECT * FROM emp WHERE id')).toMatchObject({ sqlstate: '42804', message: 'argument of WHERE must be type boolean, not type int' });
  expect(errorOf(`SELECT name + 1 FROM emp`)).toMatchObject({ sqlstate: '42804' });
  expect(errorOf(`SELECT CASE WHEN true THEN 1 ELSE name END FROM emp`)).toMatchObject({ sqlstate: '42804', message: 'CASE types int and text cannot be matched' });
  expect(errorOf(`SELECT 1 UNION SELECT 'a'::text`)).toMatchObject({ sqlstate: '42804' });
  expect(errorOf(`SELECT coalesce(id, name) FROM emp`)).toMatchObject({ sqlstate: '42804' });
  expect(errorOf(`SELECT id FROM emp WHERE id IN (1, 'a'::text)`)).toMatchObject({ sqlstate: '42804' });
  expect(errorOf(`SELECT 1 LIKE 'a'`)).toMatchObject({ sqlstate: '42804' });
  expect(errorOf(`SELECT 1 || 2`)).toMatchObject({ sqlstate: '42804' });
  expect(errorOf(`SELECT * FROM emp e JOIN dept d ON e.name = d.id`)).toMatchObject({ sqlstate: '42804' });
});

test('42803 grouping errors', () => {
  expect(errorOf('SELECT name, count(*) FROM emp')).toMatchObject({ sqlstate: '42803', message: expect.stringContaining('column "name" must appear in the GROUP BY clause') });
  expect(errorOf('SELECT name FROM emp GROUP BY dept')).toMatchObject({ sqlstate: '42803' });
  expect(errorOf('SELECT dept FROM emp GROUP BY dept ORDER BY name')).toMatchObject({ sqlstate: '42803' });
  expect(errorOf('SELECT dept FROM emp GROUP BY dept HAVING salary > 1')).toMatchObject({ sqlstate: '42803' });
  expect(errorOf('SELECT * FROM emp WHERE count(*) > 1')).toMatchObject({ sqlstate: '42803', message: 'aggregate functions are not allowed in WHERE' });
  expect(errorOf('SELECT sum(count(*)) FROM emp')).toMatchObject({ sqlstate: '42803', message: 'aggregate function calls cannot be nested' });
  expect(errorOf('SELECT count(*) FROM emp GROUP BY count(*)')).toMatchObject({ sqlstate: '42803' });
  expect(errorOf('SELECT 1 FROM emp e JOIN dept d ON count(*) > 0')).toMatchObject({ sqlstate: '42803' });
});

test('0A000 for what definite does not support', () => {
  expect(errorOf('SELECT * FROM emp GROUP BY (SELECT 1)')).toMatchObject({ sqlstate: '0A000', message: expect.stringContaining('subquery in GROUP BY') });
  expect(errorOf('SELECT * FROM emp WHERE id > ALL (SELECT 1)')).toMatchObject({ sqlstate: '0A000' });
  expect(errorOf('SELECT sum(id) OVER (ORDER BY id ROWS 2 PRECEDING) FROM emp')).toMatchObject({ sqlstate: '0A000' });
  expect(errorOf('SELECT * FROM emp WHERE rank() OVER (ORDER BY id) = 1')).toMatchObject({ sqlstate: '42P20', message: 'window functions are not allowed in WHERE' });
  // WITH RECURSIVE is supported (planner-recursive.test.ts); its SEARCH / CYCLE clauses are not.
  expect(errorOf('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SEARCH DEPTH FIRST BY n SET o SELECT * FROM r')).toMatchObject({ sqlstate: '0A000' });
  // LATERAL is supported (planner-lateral.test.ts); a union reading the outer row is not.
  expect(errorOf('SELECT * FROM emp, LATERAL (SELECT emp.id UNION SELECT 1) x')).toMatchObject({ sqlstate: '0A000' });
  // unnest of a non-array is Postgres' 42883; a set-returning function definite lacks is 0A000.
  expect(errorOf('SELECT * FROM unnest(1)')).toMatchObject({ sqlstate: '42883' });
  expect(errorOf("SELECT * FROM regexp_split_to_table('a b', ' ')")).toMatchObject({ sqlstate: '0A000' });
  expect(errorOf('SELECT id::bytea FROM emp')).toMatchObject({ sqlstate: '0A000' });
  expect(errorOf('SELECT $1')).toMatchObject({ sqlstate: '0A000' });
  expect(errorOf('SELECT dept FROM emp GROUP BY ROLLUP (dept)')).toMatchObject({ sqlstate: '0A000' });
  expect(errorOf('SELECT bool_and(DISTINCT id > 1) FROM emp')).toMatchObject({ sqlstate: '0A000' });
  expect(errorOf('SELECT * FROM emp LIMIT id')).toMatchObject({ sqlstate: '0A000' });
});

test('other errors: bad literals, ORDER BY positions, duplicate aliases, negative LIMIT, bad casts', () => {
  expect(errorOf(`SELECT 'abc'::int`)).toMatchObject({ sqlstate: '22P02', message: 'invalid input syntax for type integer: "abc"' });
  expect(errorOf(`SELECT id FROM emp WHERE id = 'x'`)).toMatchObject({ sqlstate: '22P02' });
  expect(errorOf(`SELECT TIMESTAMP '2024-13-01'`)).toMatchObject({ sqlstate: '22008' }); // as Postgres: date/time field value out of range
  expect(errorOf('SELECT id FROM emp ORDER BY 3')).toMatchObject({ sqlstate: '42P10' });
  expect(errorOf('SELECT DISTINCT dept FROM emp ORDER BY id')).toMatchObject({ sqlstate: '42P10' });
  expect(errorOf('SELECT * FROM emp, emp')).toMatchObject({ sqlstate: '42712' });
  expect(errorOf('SELECT * FROM emp LIMIT -1')).toMatchObject({ sqlstate: '2201W' });
  expect(errorOf('SELECT 1.5::bool')).toMatchObject({ sqlstate: '42846' });
  expect(errorOf('SELECT count(*) FROM emp GROUP BY 2')).toMatchObject({ sqlstate: '42P10' });
  expect(errorOf('SELECT *')).toMatchObject({ sqlstate: '42601' });
});

test('views: a self-referencing view is refused; an error inside a view names the view', () => {
  expect(errorOf('SELECT * FROM loop_a')).toMatchObject({ sqlstate: '42P19', message: expect.stringContaining('refers to itself') });
  expect(errorOf('SELECT 1 FROM broken')).toMatchObject({ sqlstate: '42703', message: 'in view "broken": column "nope" does not exist', position: 15 });
});

test('parseQuery accepts exactly one query', () => {
  expect(() => parseQuery('SELECT 1')).not.toThrow();
  expect(() => parseQuery('SELECT 1; SELECT 2')).toThrow(/one query/);
  expect(() => parseQuery('CREATE TABLE t (a int)')).toThrow(/expected a query/);
});
