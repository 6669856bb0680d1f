/**
 * Writes larger than one NATS message (issue #17): an INSERT ... SELECT of 200,000 wide rows
 * (about 13 MiB encoded) and a DELETE of all of them each commit atomically, staged in parts
 * (StageBatch, protocol/storage/README.md), seen whole by a SELECT and by a materialized view;
 * small writes sharing their group commit are not failed by them.
 */
import { usePlatform } from './sql-client.js';

const t = usePlatform('sqllarge');

test('a 13 MiB INSERT ... SELECT and DELETE commit atomically beside small writes', async () => {
  await t.a.sql('CREATE TABLE big (id int NOT NULL, pad text); CREATE TABLE small (x int)');
  await t.a.sql('CREATE MATERIALIZED VIEW big_stats AS SELECT count(*) AS n, sum(id) AS ids FROM big');
  const pad = "'" + 'p'.repeat(48) + "'";
  const [large, ...smalls] = await Promise.all([
    t.a.sql(`INSERT INTO big SELECT g, ${pad} || g::text FROM generate_series(1, 200000) AS s(g)`),
    ...Array.from({ length: 5 }, (_, i) => t.a.sql(`INSERT INTO small VALUES (${i})`)),
  ]);
  expect(large).toBeDefined();
  expect(smalls).toHaveLength(5);
  expect(await t.a.rows('SELECT count(*), sum(id), min(length(pad)), max(length(pad)) FROM big')).toEqual([[200000, 20000100000, 49, 54]]);
  expect(await t.a.rows('SELECT * FROM big_stats')).toEqual([[200000, 20000100000]]);
  expect(await t.a.rows('SELECT count(*) FROM small')).toEqual([[5]]);
  await t.a.sql('DELETE FROM big WHERE id > 10');
  expect(await t.a.rows('SELECT * FROM big_stats')).toEqual([[10, 55]]);
  expect(await t.a.rows('SELECT count(*) FROM big')).toEqual([[10]]);
});
