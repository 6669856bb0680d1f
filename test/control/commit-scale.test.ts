/**
 * Issue #16: a write costs what it writes, not what exists. On a real platform, NATS messages per
 * single-row INSERT are counted with nats-server's own counter (/varz in_msgs) with one table and
 * again with 2,000 idle tables: before the transaction log (txns) every commit appended to every
 * table (about 3.8 messages per idle table per INSERT, docs/BENCHMARKS.md); now it is O(1). An
 * idle platform sends no message per idle table per tick, idle tables stay readable at the newest
 * timestamp, and an idle table's upper advances while its own (written) upper stays put.
 */
import { setupNats, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';
import { StorageClient } from '../../protocol/storage/client.js';
import { connectClient, type SqlClient } from './sql-client.js';

const region = 'ctlscale';
const IDLE = 2000;
let nats: TestNats;
let p: TestPlatform;
let clients: SqlClient[];

async function inMsgs(): Promise<number> {
  const varz = (await (await fetch(`http://127.0.0.1:${nats.server.httpPort}/varz`)).json()) as { in_msgs: number };
  return varz.in_msgs;
}

/** Messages clients published to NATS per INSERT, over `n` INSERTs into t0. */
async function messagesPerInsert(n: number): Promise<number> {
  const before = await inMsgs();
  for (let i = 0; i < n; i++) await clients[0]!.sql(`INSERT INTO t0 VALUES (${i})`);
  return ((await inMsgs()) - before) / n;
}

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  clients = await Promise.all([0, 1, 2, 3].map(() => connectClient(nats, region)));
  await clients[0]!.sql('CREATE TABLE t0 (a int)');
  await clients[0]!.sql('INSERT INTO t0 VALUES (0)');
});
afterAll(async () => {
  await Promise.all((clients ?? []).map((c) => c.close()));
  await p?.cleanup();
  await nats?.cleanup();
});

test(`an INSERT sends O(1) NATS messages with ${IDLE} idle tables, and idle tables cost no message per tick`, async () => {
  const withOne = await messagesPerInsert(40);

  let next = 0;
  await Promise.all(
    clients.map(async (c) => {
      for (;;) {
        const from = next;
        next += 50;
        if (from >= IDLE) return;
        const statements = [];
        for (let i = from; i < Math.min(from + 50, IDLE); i++) statements.push(`CREATE TABLE idle_${i} (a int)`);
        await c.sql(statements.join('; '));
      }
    }),
  );

  const withMany = await messagesPerInsert(40);
  // The same handful of messages (request, reply, one append, one txns advance per host, the
  // timeline), with room for a tick landing inside the window; O(tables) would be thousands.
  expect(withMany).toBeLessThan(withOne * 1.5 + 3);
  expect(withMany).toBeLessThan(40);

  // Idle: a few messages a second (the tick, cluster status), none per idle table.
  const before = await inMsgs();
  await new Promise((r) => setTimeout(r, 3000));
  const perSecond = ((await inMsgs()) - before) / 3;
  expect(perSecond).toBeLessThan(60);

  // Idle tables are readable at the newest timestamp without any write to them.
  expect(await clients[1]!.rows(`SELECT count(*) FROM idle_${IDLE - 1}`)).toEqual([[0]]);
  await clients[1]!.sql(`INSERT INTO idle_7 VALUES (7)`);
  expect(await clients[2]!.rows(`SELECT a FROM idle_7`)).toEqual([[7]]);
  expect(await clients[2]!.rows(`SELECT count(*) FROM t0`)).toEqual([[81]]);
});

test('an idle table\'s upper follows the transaction log while its own upper stays where its last write left it', async () => {
  const storage = new StorageClient(p.transport, region);
  const collections = await storage.list();
  const idle = collections.find((c) => c.summary?.kind === 'table' && c.summary.writeUpper !== undefined && c.summary.updates === 0);
  expect(idle).toBeDefined();
  const first = await storage.describe(idle!.id);
  await clients[0]!.sql('INSERT INTO t0 VALUES (1)');
  await new Promise((r) => setTimeout(r, 1500)); // at least one tick
  const later = await storage.describe(idle!.id);
  expect(later.writeUpper).toBe(first.writeUpper);
  expect(later.upper).toBeGreaterThan(first.upper);
  expect(later.upper).toBeGreaterThan(later.writeUpper!);
});
