/**
 * Sessions in front-end processes (DFN_FRONTENDS=2, cli/frontend.ts): the environment process
 * accepts pgwire connections and hands them round-robin to two front-end processes, which run
 * them against the coordinator over NATS. node-postgres clients on both run statements, a
 * transaction and a SUBSCRIBE cursor; a NATS session runs in a front end too. SIGKILL of one
 * front-end process: its connections fail, the other's go on (their SUBSCRIBE too), the
 * supervisor restarts it, new connections work, and the killed one's SUBSCRIBE read hold is
 * released when its lease lapses, so the table's since moves past it.
 */
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { signal } from '../../../runtime/process-util.js';
import { StorageClient } from '../../../protocol/storage/client.js';
import { hostSubject } from '../../../protocol/subjects.js';
import type { HostTree } from '../../../protocol/sys/messages.js';
import { NatsBackend } from '../../../actors/control/session-backend-nats.js';
import { holderOf } from '../../../actors/control/subscribe-holds.js';
import { eventually, setupNats, type TestNats } from '../../helpers/nats.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { connectClient } from '../sql-client.js';

const region = 'pgfrontends';
let nats: TestNats;
let p: TestPlatform;
let port: number;
const clients: pg.Client[] = [];

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region, { DFN_FRONTENDS: '2', DFN_FRONTEND_LEASE_MS: '1500' });
  await eventually(async () => {
    const hs = await p.hosts();
    return ['frontend-0', 'frontend-1'].every((id) => hs.some((h) => h.hostId === id && h.state === 'running'));
  }, 'both front-end processes running');
  port = await pgwirePort(p);
});
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
  await p?.cleanup();
  await nats?.cleanup();
});

/** A connected client (retried while the coordinator or a front end starts: 57P03). */
async function connect(): Promise<pg.Client> {
  return eventually(async () => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'materialize', database: 'materialize' });
    c.on('error', () => undefined);
    try {
      await c.connect();
    } catch (err) {
      if ((err as { code?: string }).code !== '57P03') throw err;
      return undefined;
    }
    clients.push(c);
    return c;
  }, 'a pgwire connection');
}

/** Which front-end process serves `c`: its BackendKeyData pid is in that process's range. */
const frontendOf = (c: pg.Client) => ((c as unknown as { processID: number }).processID >> 20) - 1;

async function hostPid(hostId: string): Promise<number> {
  const h = (await p.hosts()).find((x) => x.hostId === hostId);
  if (!h) throw new Error(`no host ${hostId}`);
  return h.pid;
}

test('COPY FROM STDIN in a front-end process: its encoded rows reach the coordinator as rows, one commit', async () => {
  const c = await connect();
  await c.query('CREATE TABLE fe_copy (id int NOT NULL, name text, score bigint)');
  const lines = Array.from({ length: 5_000 }, (_, i) => `${i}\t${i % 7 === 0 ? '\\N' : `n\\t${i}`}\t${i * 1_000_000_000}`);
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'materialize', 'materialize', '-c', 'COPY fe_copy FROM STDIN'], { input: `${lines.join('\n')}\n`, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const got = await c.query("SELECT count(*)::int AS n, count(name)::int AS named, sum(score)::text AS s, max(name) FILTER (WHERE id = 1) AS one FROM fe_copy");
  expect(got.rows[0]).toEqual({ n: 5_000, named: 5_000 - 715, s: String(((4_999 * 5_000) / 2) * 1_000_000_000), one: 'n\t1' });
  await c.query('DROP TABLE fe_copy');
});

test('two front-end processes serve pgwire and NATS sessions; SIGKILL of one drops only its connections and releases its holds', async () => {
  const conns = [await connect(), await connect(), await connect(), await connect()];
  const on = [0, 1].map((i) => conns.filter((c) => frontendOf(c) === i));
  expect(on[0]!.length).toBe(2);
  expect(on[1]!.length).toBe(2);
  const [a0, b0] = on[0] as [pg.Client, pg.Client];
  const [a1, b1] = on[1] as [pg.Client, pg.Client];

  await a0.query('CREATE TABLE t (id int NOT NULL, v text)');
  await a0.query("INSERT INTO t VALUES (1, 'one')");
  await a1.query('INSERT INTO t VALUES ($1, $2)', [2, 'two']);
  // A write block on one front end, an implicit multi-statement transaction on the other.
  await b0.query('BEGIN');
  await b0.query("INSERT INTO t VALUES (3, 'three')");
  await b0.query("INSERT INTO t VALUES (4, 'four')");
  await b0.query('COMMIT');
  await b1.query("INSERT INTO t VALUES (5, 'five'); INSERT INTO t VALUES (6, 'six')");
  for (const c of conns) expect((await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(6);
  const err = await a1.query('SELECT * FROM nope').then(() => undefined, (e: { code?: string }) => e);
  expect(err?.code).toBe('42P01');

  // A NATS session runs in a front-end process too.
  const nc = await connectClient(nats, region);
  try {
    expect(await nc.rows('SELECT count(*) FROM t')).toEqual([[6]]);
    const trees = await Promise.all(['frontend-0', 'frontend-1'].map((h) => p.transport.request<HostTree>(hostSubject(region, h), { type: 'GetHostTree' })));
    expect(trees.filter((t) => JSON.stringify(t.root).includes(nc.session.session))).toHaveLength(1);
  } finally {
    await nc.close();
  }

  // A SUBSCRIBE on each front end.
  const storage = new StorageClient(p.transport, region);
  const collection = (await new NatsBackend(p.transport, region, 'test.0').forSession('t').table('t')).collection;
  const holdsBefore = new Set(Object.keys((await storage.describe(collection)).holds));
  await b0.query('BEGIN');
  await b0.query('DECLARE s0 CURSOR FOR SUBSCRIBE t');
  const held0 = Object.keys((await storage.describe(collection)).holds).filter((h) => !holdsBefore.has(h));
  expect(held0).toHaveLength(1);
  await b1.query('BEGIN');
  await b1.query('DECLARE s1 CURSOR FOR SUBSCRIBE t');
  const held1 = Object.keys((await storage.describe(collection)).holds).filter((h) => !holdsBefore.has(h) && h !== held0[0]);
  expect(held1).toHaveLength(1);
  expect(held0[0]!.startsWith(holderOf('pg-'))).toBe(true);
  const killedHold = (await storage.describe(collection)).holds[held0[0]!]!;
  expect((await b0.query('FETCH 10 s0')).rows).toHaveLength(6);
  expect((await b1.query('FETCH 10 s1')).rows).toHaveLength(6);

  // SIGKILL front end 0.
  const pid0 = await hostPid('frontend-0');
  signal(pid0, 'SIGKILL');
  for (const c of [a0, b0]) {
    const e = await c.query('SELECT 1').then(() => undefined, (x: Error) => x);
    expect(e?.message).toMatch(/Connection terminated|ECONNRESET|connection error|not queryable/);
  }
  // The other front end's connections are unaffected, their SUBSCRIBE goes on.
  await a1.query("INSERT INTO t VALUES (7, 'seven')");
  const more = await b1.query("FETCH 10 s1 WITH (timeout = '30s')");
  expect(more.rows.map((r) => r.id)).toEqual([7]);

  // The supervisor restarts it; new connections work (on both processes, eventually).
  await eventually(async () => {
    const h = (await p.hosts()).find((x) => x.hostId === 'frontend-0');
    return h && h.pid !== pid0 && h.state === 'running';
  }, 'frontend-0 restarted');
  const fresh = [await connect(), await connect()];
  expect(new Set(fresh.map(frontendOf))).toEqual(new Set([0, 1]));
  for (const c of fresh) expect((await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(7);

  // The killed front end's SUBSCRIBE hold is released (its lease lapsed); the live one's stays,
  // and with writes the since moves past where the killed one held it.
  let i = 100;
  const writer = setInterval(() => void a1.query(`INSERT INTO t VALUES (${i++}, 'w')`).catch(() => undefined), 200);
  try {
    await eventually(async () => {
      const d = await storage.describe(collection);
      return d.holds[held0[0]!] === undefined && d.holds[held1[0]!] !== undefined;
    }, "the killed front end's hold released");
    // Its STORAGE subscription ends by STORAGE's own subscriber lease (LEASE_MS, 60 s); then the since moves past.
    await eventually(async () => (await storage.describe(collection)).since > killedHold, 'the since past the killed SUBSCRIBE');
  } finally {
    clearInterval(writer);
  }
  await b1.query('COMMIT');
  await eventually(async () => (await storage.describe(collection)).holds[held1[0]!] === undefined, 'the live SUBSCRIBE released at COMMIT');
});
