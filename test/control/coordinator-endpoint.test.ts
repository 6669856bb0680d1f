/**
 * The session interface over NATS (actors/control/session-backend-nats.ts) against a real
 * platform's coordinator endpoint (`dfn.<region>.control.coordinator`): statements, an implicit
 * transaction, a block's commit, errors as typed SqlErrors with their SQLSTATE, bad requests
 * refused with a typed error and no effect, and leases: a front end's SUBSCRIBE read hold is
 * released when its lease lapses (then the collection's since moves past it) or when it closes.
 */
import { SqlError } from '../../protocol/control/errors.js';
import { coordinatorSubject } from '../../protocol/control/subjects.js';
import { DefiniteError } from '../../protocol/errors.js';
import { StorageClient } from '../../protocol/storage/client.js';
import { NatsBackend } from '../../actors/control/session-backend-nats.js';
import { holderOf, RESUME_WINDOW_MS } from '../../actors/control/subscribe-holds.js';
import { eventually, setupNats, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';

const region = 'coordep';
const LEASE_MS = 1500;
let nats: TestNats;
let p: TestPlatform;
let storage: StorageClient;
const settings = { cluster: 'default', timeline: 'main', transaction_isolation: 'strict serializable', idle_timeout: '60' };

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region, { DFN_FRONTEND_LEASE_MS: String(LEASE_MS) });
  storage = new StorageClient(p.transport, region);
});
afterAll(async () => {
  await p?.cleanup();
  await nats?.cleanup();
});

async function failure(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => undefined,
    (e: unknown) => e,
  );
}

test('statements, an implicit transaction and a commit over NATS; errors keep their SQLSTATE', async () => {
  const b = new NatsBackend(p.transport, region, 'test-fe.a').forSession('s1');
  await eventually(() => b.executeSql('CREATE TABLE t (id int NOT NULL, v text)', settings).then(() => true), 'the coordinator answering');
  const ins = await b.execute({ text: "INSERT INTO t VALUES (1, 'a')", offset: 0 }, settings);
  expect(ins.tag).toBe('INSERT 0 1');
  const implicit = await b.writeImplicit(
    [
      { text: "INSERT INTO t VALUES (2, 'b')", offset: 0 },
      { text: "INSERT INTO t VALUES (3, 'c')", offset: 30 },
    ],
    settings,
  );
  expect(implicit).toEqual({ tags: ['INSERT 0 1', 'INSERT 0 1'] });
  const planned = await b.planInsert({ text: "INSERT INTO t VALUES (4, 'd')", offset: 0 }, settings);
  const table = await b.table('t');
  expect(planned.collection).toBe(table.collection);
  expect(table.columns.map((c) => c.name)).toEqual(['id', 'v']);
  const ts = await b.commitWrites(new Map([[planned.collection, planned.rows]]), 'dropped');
  const read = await b.execute({ text: 'SELECT id, v FROM t ORDER BY id', offset: 0 }, settings);
  expect(read.rows).toEqual([[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']]);
  expect(read.timestamp!).toBeGreaterThanOrEqual(ts);
  expect(await b.validateSetting('cluster', 'default')).toBe('default');

  const missing = await failure(b.execute({ text: 'SELECT * FROM nope', offset: 0 }, settings));
  expect(missing).toBeInstanceOf(SqlError);
  expect((missing as SqlError).sqlstate).toBe('42P01');
  const badSetting = await failure(b.validateSetting('no_such_setting', 'x'));
  expect((badSetting as SqlError).sqlstate).toBe('42704');
  const gone = await failure(b.commitWrites(new Map([['u999999', [[[1, 'x'], 1]]]]), 'a table this transaction wrote was dropped'));
  expect((gone as SqlError).sqlstate).toBe('42P01');
  // The implicit transaction's failing statement: the earlier tags, then the error; nothing written.
  const half = await b.writeImplicit(
    [
      { text: "INSERT INTO t VALUES (5, 'e')", offset: 0 },
      { text: 'INSERT INTO t VALUES (NULL, NULL)', offset: 30 },
    ],
    settings,
  );
  expect(half?.tags).toEqual(['INSERT 0 1']);
  expect((half?.error as SqlError).sqlstate).toBe('23502');
  expect((await b.execute({ text: 'SELECT count(*) FROM t', offset: 0 }, settings)).rows).toEqual([[4]]);

  // A malformed request: a typed error, and nothing changes.
  const bad = await failure(p.transport.request(coordinatorSubject(region), { type: 'CoordExecuteSql', frontend: 'x', sql: "INSERT INTO t VALUES (9, 'z')" }));
  expect(bad).toBeInstanceOf(DefiniteError);
  expect((bad as DefiniteError).code).toBe('SchemaViolation');
  const unknown = await failure(p.transport.request(coordinatorSubject(region), { type: 'Nope', frontend: 'x', session: 'y' }));
  expect((unknown as DefiniteError).code).toBe('UnknownMessageType');
  expect((await b.execute({ text: 'SELECT count(*) FROM t', offset: 0 }, settings)).rows).toEqual([[4]]);
});

test('a result over the payload limit comes in chunks; a SET before a failing statement keeps its effect', async () => {
  const b = new NatsBackend(p.transport, region, 'test-fe.c').forSession('s3');
  await eventually(() => b.executeSql('CREATE TABLE big (id int NOT NULL, pad text)', settings).then(() => true), 'the coordinator answering');
  const pad = 'x'.repeat(1000);
  for (let k = 0; k < 6; k++) {
    await b.execute({ text: `INSERT INTO big SELECT g, '${pad}' || g FROM generate_series(${k * 1000 + 1}, ${(k + 1) * 1000}) AS g`, offset: 0 }, settings);
  }
  // 6,000 rows of about 1 KB: over NATS' 4 MiB payload limit in one reply
  const all = await b.execute({ text: 'SELECT id, pad FROM big', offset: 0 }, settings);
  expect(all.rows!.length).toBe(6000);
  expect(all.rows!.map((r) => r[0]).sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: 6000 }, (_, i) => i + 1));
  expect(all.rows!.every((r) => r[1] === `${pad}${r[0]}`)).toBe(true);
  const sqlAll = await b.executeSql('SELECT id FROM big WHERE id <= 3 ORDER BY id; SELECT pad FROM big', settings);
  expect(sqlAll.map((r) => r.rows!.length)).toEqual([3, 6000]);
  const info = async () => {
    const { actorsIn } = await import('../../protocol/inspect/tree.js');
    const { treeSubject } = await import('../../protocol/inspect/subjects.js');
    const tree = await p.transport.request<{ type: string; root: never }>(treeSubject(region), { type: 'GetTree' });
    const info = actorsIn(tree.root).find((x: { kind: string }) => x.kind === 'coordinator')?.info as { endpoint?: Record<string, number> } | undefined;
    return info?.endpoint;
  };
  await eventually(async () => ((await info())?.['chunkedReplies'] ?? 0) >= 2, 'two chunked replies counted');
  expect((await info())?.['chunkedKept']).toBe(0); // every part fetched

  // SET, then a failing statement, in one request: the error, and the SET stays (as in-process)
  const mine: Record<string, string> = { ...settings };
  const failed = await failure(b.executeSql("SET transaction_isolation = 'serializable'; SELECT * FROM nope", mine));
  expect((failed as SqlError).sqlstate).toBe('42P01');
  expect(mine['transaction_isolation']).toBe('serializable');
});

test("a front end's SUBSCRIBE hold is released when its lease lapses, and the since then moves past it", async () => {
  const b = new NatsBackend(p.transport, region, 'test-fe.dead').forSession('s2');
  await b.executeSql('CREATE TABLE h (id int NOT NULL)', settings);
  const target = await b.subscribeStart({ sql: 'SUBSCRIBE h', resumable: false });
  const holder = holderOf(target.subscription);
  expect((await storage.describe(target.collection)).holds[holder]).toBe(target.asOf);
  // No request from this front end from here on (it "died"); another one's writes keep the table's upper moving.
  const other = new NatsBackend(p.transport, region, 'test-fe.other').forSession('w');
  const started = Date.now();
  let i = 0;
  const writer = setInterval(() => void other.executeSql(`INSERT INTO h VALUES (${i++})`, settings).catch(() => undefined), 200);
  try {
    const after = await eventually(async () => {
      const d = await storage.describe(target.collection);
      return d.holds[holder] === undefined && d.since > target.asOf ? d : undefined;
    }, 'the hold released and the since past the SUBSCRIBE');
    expect(after.since).toBeGreaterThan(target.asOf);
    // Released by the lease, not by the resume window every SUBSCRIBE hold also has.
    expect(Date.now() - started).toBeLessThan(RESUME_WINDOW_MS);
  } finally {
    clearInterval(writer);
  }
});

test('a live lease keeps the hold; FrontendClosed releases it at once', async () => {
  const root = new NatsBackend(p.transport, region, 'test-fe.live');
  root.startLease(LEASE_MS);
  const b = root.forSession('s3');
  await b.executeSql('CREATE TABLE k (id int NOT NULL)', settings);
  const target = await b.subscribeStart({ sql: 'SUBSCRIBE k', resumable: false });
  const holder = holderOf(target.subscription);
  await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
  expect((await storage.describe(target.collection)).holds[holder]).toBe(target.asOf);
  await root.close();
  await eventually(async () => (await storage.describe(target.collection)).holds[holder] === undefined, 'the hold released by FrontendClosed');
});
