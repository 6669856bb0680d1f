/**
 * Arrays stored in tables and read by dataflows, against PostgreSQL 15 (the oracle): a table with
 * an int[] and a text[] column read by count(*), GROUP BY, DISTINCT and joins on the array, and a
 * materialized view grouping by it through inserts and deletes. Equal arrays are one value (as
 * array_eq: element by element, NULL elements equal). Before 2026-12-07 every dataflow reading
 * such a table never answered (the subscription decoder refused array values), and DISTINCT,
 * GROUP BY and joins kept equal arrays apart.
 */
import { both, same, usePgPlatform } from './pg-platform.js';

const t = usePgPlatform('arrcols', { database: 'definite_array_columns_test', fresh: true });

test('array columns: aggregates, grouping, distinct and joins on arrays, maintained in a view', async () => {
  await both(t, 'CREATE TABLE ta (id int, arr int[], tags text[])');
  await both(t, "INSERT INTO ta VALUES (1, '{1,2}', '{a,b}'), (2, '{1,2}', '{a}'), (3, NULL, NULL), (4, '{3,NULL}', '{}'), (5, '{3,NULL}', '{\"x y\",NULL}'), (6, '{}', '{a,b}')");
  await same(t, 'SELECT count(*), count(arr), count(DISTINCT arr) FROM ta');
  await same(t, 'SELECT min(arr)::text, max(arr)::text, count(DISTINCT tags) FROM ta');
  await same(t, 'SELECT arr::text, count(*) FROM ta GROUP BY arr ORDER BY arr');
  await same(t, 'SELECT DISTINCT tags::text FROM ta ORDER BY 1');
  await same(t, 'SELECT a.id, b.id FROM ta a JOIN ta b ON a.arr = b.arr ORDER BY 1, 2');
  await same(t, 'SELECT count(*) FROM ta a JOIN ta b ON a.tags = b.tags');
  await same(t, "SELECT id FROM ta WHERE arr = '{1,2}' ORDER BY id");
  await t.ours.query('CREATE MATERIALIZED VIEW by_arr AS SELECT arr, count(*) AS n FROM ta GROUP BY arr');
  await both(t, 'DELETE FROM ta WHERE id = 1');
  await both(t, "INSERT INTO ta VALUES (7, '{3,NULL}', NULL), (8, '{9}', NULL)");
  const ours = (await t.ours.query({ text: 'SELECT arr::text, n FROM by_arr ORDER BY arr', rowMode: 'array' })).rows;
  const theirs = (await t.oracle.query({ text: 'SELECT arr::text, count(*) FROM ta GROUP BY arr ORDER BY arr', rowMode: 'array' })).rows;
  expect(ours.map((r) => [r[0], Number(r[1])])).toEqual(theirs.map((r) => [r[0], Number(r[1])]));
});

test('|| on arrays: array || array, array || element, element || array, over columns and literals', async () => {
  for (const q of [
    'SELECT (ARRAY[1, 2] || ARRAY[3])::text',
    'SELECT (ARRAY[1] || 2)::text, (0 || ARRAY[1])::text',
    "SELECT (ARRAY['a'] || '{b,c}')::text",
    'SELECT (ARRAY[1] || NULL::int[])::text, (NULL::int[] || ARRAY[1])::text',
    'SELECT (ARRAY[1] || 2.5)::text',
    "SELECT id, (arr || 7)::text, (tags || '{z}')::text, ('q' || tags)::text FROM ta ORDER BY id",
    'SELECT id, (arr || arr)::text FROM ta ORDER BY id',
  ]) {
    await same(t, q);
  }
});
