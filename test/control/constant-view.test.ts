/**
 * Issue #18, the hang: a materialized view that reads no table (`SELECT 1 AS x`) used to never
 * return (its dataflow's frontier never moved, so its sink never wrote and the DDL waited for a
 * snapshot forever), and every later DDL queued behind it. End to end on a real platform with an
 * empty data dir: the view answers, an index on it answers, a view over it answers, later DDL runs.
 */
import { setupNats, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';
import { connectClient, type SqlClient } from './sql-client.js';

const region = 'ctlconst';
let nats: TestNats;
let p: TestPlatform;
let a: SqlClient;

beforeAll(async () => {
  nats = await setupNats();
  // A bounded DDL wait: on code that stalls, the CREATE fails (57014) in seconds instead of hanging.
  p = await startPlatform(nats, region, { DFN_DDL_WAIT_MS: '10000' });
  a = await connectClient(nats, region);
});
afterAll(async () => {
  await a?.close();
  await p?.cleanup();
  await nats?.cleanup();
});

test('CREATE MATERIALIZED VIEW over no table returns, reads answer, and later DDL is not blocked', async () => {
  expect((await a.sql('CREATE MATERIALIZED VIEW v AS SELECT 1 AS x'))[0]!.tag).toBe('CREATE MATERIALIZED VIEW');
  expect(await a.rows('SELECT x FROM v')).toEqual([[1]]);
  expect((await a.sql('CREATE TABLE t (a int)'))[0]!.tag).toBe('CREATE TABLE');
  expect((await a.sql('CREATE INDEX v_x ON v (x)'))[0]!.tag).toBe('CREATE INDEX');
  expect(await a.rows('SELECT x FROM v')).toEqual([[1]]);
  // Later reads see a frontier that keeps moving (strict serializable reads at newer timestamps).
  await new Promise((r) => setTimeout(r, 500));
  expect(await a.rows('SELECT x + 1 FROM v')).toEqual([[2]]);
  expect((await a.sql('CREATE MATERIALIZED VIEW w AS SELECT x * 10 AS y FROM v'))[0]!.tag).toBe('CREATE MATERIALIZED VIEW');
  expect(await a.rows('SELECT y FROM w')).toEqual([[10]]);
  expect((await a.sql('DROP MATERIALIZED VIEW w'))[0]!.tag).toBe('DROP MATERIALIZED VIEW');
});
