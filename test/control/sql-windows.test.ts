/**
 * Window functions (issue #18) end to end on a real platform: ranking, offsets, first/last
 * values, aggregates OVER with the default and explicit frames, window functions over a grouped
 * query, the top-1-per-group idiom, and a materialized view kept up to date through writes. Each
 * expectation is PostgreSQL 15's answer to the same statement (queries whose peers could come in
 * any order are avoided, since Postgres leaves that order open).
 */
import { usePlatform } from './sql-client.js';

const t = usePlatform('sqlwin', async (a) => {
  await a.sql('CREATE TABLE w (g int, k int, v int); INSERT INTO w VALUES (1, 1, 10), (1, 2, 20), (1, 3, 20), (1, 4, NULL), (2, 1, 5), (2, 2, 7), (3, 1, NULL)');
});

test('row_number, rank and dense_rank (NULLs sort last, peers share a rank)', async () => {
  expect(await t.a.rows('SELECT g, k, row_number() OVER (PARTITION BY g ORDER BY k), rank() OVER (PARTITION BY g ORDER BY v), dense_rank() OVER (PARTITION BY g ORDER BY v) FROM w ORDER BY g, k')).toEqual([
    [1, 1, 1, 1, 1],
    [1, 2, 2, 2, 2],
    [1, 3, 3, 2, 2],
    [1, 4, 4, 4, 3],
    [2, 1, 1, 1, 1],
    [2, 2, 2, 2, 2],
    [3, 1, 1, 1, 1],
  ]);
});

test('lag, lead with an offset and a default, first_value and last_value in the default frame', async () => {
  expect(await t.a.rows('SELECT g, k, lag(v) OVER (PARTITION BY g ORDER BY k), lead(v, 2, -1) OVER (PARTITION BY g ORDER BY k), first_value(v) OVER (PARTITION BY g ORDER BY k), last_value(v) OVER (PARTITION BY g ORDER BY k) FROM w ORDER BY g, k')).toEqual([
    [1, 1, null, 20, 10, 10],
    [1, 2, 10, null, 10, 20],
    [1, 3, 20, -1, 10, 20],
    [1, 4, 20, -1, 10, null],
    [2, 1, null, -1, 5, 5],
    [2, 2, 5, -1, 5, 7],
    [3, 1, null, -1, null, null],
  ]);
});

test('aggregates OVER: running, whole partition, ROWS frames', async () => {
  expect(await t.a.rows('SELECT g, k, sum(v) OVER (PARTITION BY g ORDER BY k), count(*) OVER (PARTITION BY g), avg(v::float8) OVER (PARTITION BY g), max(v) OVER (ORDER BY k, g ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM w ORDER BY g, k')).toEqual([
    [1, 1, 10, 4, 16.666666666666668, 10],
    [1, 2, 30, 4, 16.666666666666668, 20],
    [1, 3, 50, 4, 16.666666666666668, 20],
    [1, 4, 50, 4, 16.666666666666668, 20],
    [2, 1, 5, 2, 6, 10],
    [2, 2, 12, 2, 6, 20],
    [3, 1, null, 1, null, 10],
  ]);
  expect(await t.a.rows('SELECT k, ntile(3) OVER (ORDER BY g, k), sum(v) OVER (ORDER BY v RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), last_value(k) OVER (PARTITION BY g ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM w ORDER BY g, k')).toEqual([
    [1, 1, 22, 4],
    [2, 1, 62, 4],
    [3, 1, 62, 4],
    [4, 2, 62, 4],
    [1, 2, 5, 2],
    [2, 3, 12, 2],
    [1, 3, 62, 1],
  ]);
});

test('window functions over groups, and the top-1-per-group idiom', async () => {
  expect(await t.a.rows('SELECT g, sum(v), rank() OVER (ORDER BY sum(v) DESC NULLS LAST), sum(sum(v)) OVER () FROM w GROUP BY g ORDER BY g')).toEqual([
    [1, 50, 1, 62],
    [2, 12, 2, 62],
    [3, null, 3, 62],
  ]);
  expect(await t.a.rows('SELECT * FROM (SELECT g, k, row_number() OVER (PARTITION BY g ORDER BY k DESC) AS rn FROM w) t WHERE rn = 1 ORDER BY g')).toEqual([
    [1, 4, 1],
    [2, 2, 1],
    [3, 1, 1],
  ]);
});

test('a materialized view of a window follows inserts and deletes', async () => {
  await t.a.sql('CREATE TABLE scores (team text, player text, points int)');
  await t.a.sql("INSERT INTO scores VALUES ('a', 'x', 3), ('a', 'y', 5), ('b', 'z', 1)");
  await t.a.sql('CREATE MATERIALIZED VIEW ranked AS SELECT team, player, rank() OVER (PARTITION BY team ORDER BY points DESC) AS r, sum(points) OVER (PARTITION BY team) AS total FROM scores');
  const ranked = () => t.a.rows('SELECT * FROM ranked ORDER BY team, r, player');
  expect(await ranked()).toEqual([
    ['a', 'y', 1, 8],
    ['a', 'x', 2, 8],
    ['b', 'z', 1, 1],
  ]);
  await t.a.sql("INSERT INTO scores VALUES ('a', 'w', 9)");
  await t.a.sql("DELETE FROM scores WHERE player = 'y'");
  expect(await ranked()).toEqual([
    ['a', 'w', 1, 12],
    ['a', 'x', 2, 12],
    ['b', 'z', 1, 1],
  ]);
});

test('misuse is an error, not an answer', async () => {
  expect((await t.a.sqlError('SELECT k FROM w WHERE row_number() OVER () > 1')).sqlstate).toBe('42P20');
  expect((await t.a.sqlError('SELECT ntile(0) OVER () FROM w')).sqlstate).toBe('22014');
  expect((await t.a.sqlError('SELECT sum(v) OVER (ORDER BY k ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM w')).sqlstate).toBe('0A000');
  expect((await t.a.sqlError('SELECT rank() OVER w FROM w WINDOW w AS (ORDER BY k)')).sqlstate).toBe('0A000');
  expect((await t.a.sqlError('SELECT row_number(k) OVER () FROM w')).sqlstate).toBe('42883');
});
