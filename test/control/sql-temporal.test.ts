/**
 * Temporal filters end to end (issue #18): a materialized view `WHERE mz_now() < at + 2000` over
 * a table shows a row inserted with at = now, and drops it about 2 s later with no further write;
 * the read that first misses it is at a timestamp >= at + 2000, every read that sees it before.
 * A view with now() is refused with the hint.
 */
import { setupNats, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';
import { connectClient, type SqlClient } from './sql-client.js';

const region = 'ctltemporal';
let nats: TestNats;
let p: TestPlatform;
let a: SqlClient;

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  a = await connectClient(nats, region);
});
afterAll(async () => {
  await a?.close();
  await p?.cleanup();
  await nats?.cleanup();
});

test('a row leaves the materialized view when mz_now() passes at + 2000, with no further write', async () => {
  await a.sql('CREATE TABLE events (id int, at bigint)');
  await a.sql('CREATE MATERIALIZED VIEW recent AS SELECT id, at FROM events WHERE mz_now() < at + 2000');
  const at = Date.now();
  await a.sql(`INSERT INTO events VALUES (1, ${at})`);
  const seen: Array<{ ts: number; n: number }> = [];
  for (;;) {
    const r = (await a.sql('SELECT id FROM recent'))[0]!;
    const ts = Number(r.timestamp);
    const rows = r.rows ?? [];
    seen.push({ ts, n: rows.length });
    if (rows.length === 0) break;
    expect(rows).toEqual([[1]]);
    expect(ts).toBeLessThan(at + 2000);
    await new Promise((res) => setTimeout(res, 100));
  }
  expect(seen[0]!.n).toBe(1); // visible first
  expect(seen[seen.length - 1]!.ts).toBeGreaterThanOrEqual(at + 2000);
  // The table still has the row: only the view dropped it.
  expect(await a.rows('SELECT id FROM events')).toEqual([[1]]);
});

test('a timestamp bound with an INTERVAL: the row leaves at at + 2 seconds', async () => {
  await a.sql('CREATE TABLE ev (id int, at timestamp)');
  await a.sql("CREATE MATERIALIZED VIEW recent_ev AS SELECT id FROM ev WHERE mz_now() < at + INTERVAL '2 seconds'");
  const at = Date.now();
  await a.sql(`INSERT INTO ev VALUES (1, '${new Date(at).toISOString().replace('T', ' ').replace('Z', '')}'::timestamp)`);
  let last = 0;
  for (;;) {
    const r = (await a.sql('SELECT id FROM recent_ev'))[0]!;
    last = Number(r.timestamp);
    if ((r.rows ?? []).length === 0) break;
    expect(last).toBeLessThan(at + 2000);
    await new Promise((res) => setTimeout(res, 100));
  }
  expect(last).toBeGreaterThanOrEqual(at + 2000);
});

test('now() in a materialized view is 0A000 with a hint to use mz_now()', async () => {
  const e = await a.sqlError('CREATE MATERIALIZED VIEW bad AS SELECT id FROM events WHERE at > now()');
  expect(e.sqlstate).toBe('0A000');
  expect(String(e.details['hint'])).toContain('mz_now()');
});
