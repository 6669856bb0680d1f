/**
 * generate_series in FROM (issue #18) end to end on a real platform, each expectation PostgreSQL
 * 15's answer to the same statement: ascending and descending steps, bigint bounds, a NULL bound
 * (no rows), joins with tables and a materialized view over a series; step 0 and over-large
 * series are errors, not answers.
 */
import { usePlatform } from './sql-client.js';

const t = usePlatform('sqlseries');

test('series of integers, named by their alias', async () => {
  expect(await t.a.rows('SELECT * FROM generate_series(1, 5)')).toEqual([[1], [2], [3], [4], [5]]);
  expect(await t.a.rows('SELECT x * 2 FROM generate_series(10, 1, -3) AS g(x) ORDER BY 1 DESC')).toEqual([[20], [14], [8], [2]]);
  expect(await t.a.rows('SELECT count(*), sum(g) FROM generate_series(1, 100000) g')).toEqual([[100000, 5000050000]]);
  expect(await t.a.rows('SELECT * FROM generate_series(3000000000, 3000000002)')).toEqual([[3000000000], [3000000001], [3000000002]]);
  expect(await t.a.rows('SELECT * FROM generate_series(1, NULL)')).toEqual([]);
  expect(await t.a.rows('SELECT * FROM generate_series(5, 1)')).toEqual([]);
});

test('joined with a table, and inside a materialized view', async () => {
  await t.a.sql("CREATE TABLE days (d int, name text); INSERT INTO days VALUES (1, 'mon'), (3, 'wed')");
  await t.a.sql('CREATE MATERIALIZED VIEW week AS SELECT n, coalesce(name, \'-\') AS name FROM generate_series(1, 4) AS s(n) LEFT JOIN days ON d = n');
  expect(await t.a.rows('SELECT * FROM week ORDER BY n')).toEqual([[1, 'mon'], [2, '-'], [3, 'wed'], [4, '-']]);
  await t.a.sql("INSERT INTO days VALUES (2, 'tue')");
  expect(await t.a.rows('SELECT * FROM week ORDER BY n')).toEqual([[1, 'mon'], [2, 'tue'], [3, 'wed'], [4, '-']]);
});

test('errors, not answers', async () => {
  expect(await t.a.sqlError('SELECT * FROM generate_series(1, 3, 0)')).toMatchObject({ sqlstate: '22023', message: 'step size cannot equal zero' });
  expect((await t.a.sqlError('SELECT * FROM generate_series(1, 2000000)')).sqlstate).toBe('54000');
  expect((await t.a.sqlError("SELECT * FROM generate_series(1.5, 3)")).sqlstate).toBe('0A000');
});
