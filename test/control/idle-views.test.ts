/**
 * Issue #16: idle materialized views cost O(1) messages per storage host per tick, not some per
 * view. On a real platform with VIEWS tables, each with a materialized view over it (and one view
 * over a view), NATS messages are counted with nats-server's own counter (/varz in_msgs) while
 * nothing is written. Before the batching (sinks' empty appends, subscriptions' empty progress,
 * per-collection frontier publications and per-dataflow Frontiers, liveness probes) it was about
 * 7 messages per view per second (bench/probes/idle-views.ts: 229/s with 30 views); now the
 * per-view part is the lease renewal of each input subscription, one per 20 s. The views stay
 * correct and current: a write to any one table is visible through its view, and through the view
 * over it, at once.
 */
import { setupNats, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';
import { connectClient, type SqlClient } from './sql-client.js';

const region = 'idleviews';
const VIEWS = 60;
let nats: TestNats;
let p: TestPlatform;
let c: SqlClient;

async function inMsgs(): Promise<number> {
  const varz = (await (await fetch(`http://127.0.0.1:${nats.server.httpPort}/varz`)).json()) as { in_msgs: number };
  return varz.in_msgs;
}

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  c = await connectClient(nats, region);
});
afterAll(async () => {
  await c?.close();
  await p?.cleanup();
  await nats?.cleanup();
});

test(`${VIEWS} idle materialized views send a handful of messages a second, not several per view`, async () => {
  for (let i = 0; i < VIEWS; i++) {
    await c.sql(`CREATE TABLE t${i} (a int); CREATE MATERIALIZED VIEW v${i} AS SELECT count(*) AS n, sum(a) AS s FROM t${i}`);
  }
  await c.sql('CREATE MATERIALIZED VIEW vv AS SELECT n * 10 AS n10 FROM v0');
  await new Promise((r) => setTimeout(r, 3000)); // past creation
  const before = await inMsgs();
  await new Promise((r) => setTimeout(r, 5000));
  const perSecond = ((await inMsgs()) - before) / 5;
  // The fixed part (ticks, heartbeats, status: about 20/s) plus VIEWS/20 lease renewals; the old
  // per-view traffic would be VIEWS * 7, over 400.
  expect(perSecond).toBeLessThan(20 + VIEWS / 2);

  // Current and correct: each write is visible through its view at once (strict serializable).
  for (const i of [0, 17, VIEWS - 1]) {
    await c.sql(`INSERT INTO t${i} VALUES (${i + 1}), (${i + 2})`);
    expect(await c.rows(`SELECT n, s FROM v${i}`)).toEqual([[2, 2 * i + 3]]);
  }
  expect(await c.rows('SELECT n10 FROM vv')).toEqual([[20]]);
  expect(await c.rows(`SELECT n, s FROM v1`)).toEqual([[0, null]]);
});
