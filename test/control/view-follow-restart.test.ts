/**
 * Issue #16, views that follow the txns upper (docs/decoupling.md) across process deaths, with
 * real processes: a materialized view `m` over an idle table follows its host's txns upper (its
 * sink sends no empty appends), then its input is written while the cluster host is frozen
 * (SIGSTOP) and the cluster host is SIGKILLed, or the storage host is SIGKILLed, or both. After
 * each, `m`, a view over `m`, and `m` read AS OF the timestamp of a table read, equal the table's
 * own aggregate. The drill found the first of these hanging for good (the restarted sink
 * reconciled against the view's readable upper instead of the upper it wrote; every append then
 * missed). A view with a temporal filter (mz_now()) over the same table never follows.
 */
import { eventually, type TestNats } from '../helpers/nats.js';
import type { TestPlatform } from '../helpers/platform.js';
import { signal } from '../../runtime/process-util.js';
import { treeSubject } from '../../protocol/inspect/subjects.js';
import { actorsIn } from '../../protocol/inspect/tree.js';
import type { Tree } from '../../protocol/inspect/messages.js';
import { type SqlClient, usePlatform } from './sql-client.js';

const region = 'viewfollowrestart';
let nats: TestNats;
let p: TestPlatform;
let a: SqlClient;
let b: SqlClient;

const t = usePlatform(region, undefined, { second: true });
beforeAll(() => ({ nats, p, a, b } = t));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collections of views that follow the txns upper (inspection info, flushed each second). */
async function viewsFollowing(): Promise<number> {
  const tree = await p.transport.request<Tree>(treeSubject(region), { type: 'GetTree' });
  return actorsIn(tree.root).reduce((n, x) => n + (x.kind === 'collection' && x.info?.['followsTxns'] ? 1 : 0), 0);
}

async function pidOf(hostId: string): Promise<number> {
  const h = (await p.hosts()).find((x) => x.hostId === hostId && x.state === 'running');
  if (!h) throw new Error(`${hostId} is not running`);
  return h.pid;
}

/** SIGKILLs `pid` (host `hostId`) and waits until the orchestrator runs the host again, in a new process. */
async function killAndAwait(hostId: string, pid: number): Promise<void> {
  signal(pid, 'SIGKILL');
  await eventually(async () => (await p.hosts()).some((h) => h.hostId === hostId && h.state === 'running' && h.pid !== pid), `${hostId} running again`);
}

let rows = 0;
let sum = 0;
/** INSERTs `n` rows into t (once the statement is acknowledged, they are counted). */
async function insert(n: number): Promise<void> {
  const values = Array.from({ length: n }, (_, i) => `(${rows + i}, ${(rows + i) * 7})`).join(', ');
  await a.sql(`INSERT INTO t VALUES ${values}`);
  for (let i = 0; i < n; i++) sum += (rows + i) * 7;
  rows += n;
}

/** The views equal the table, read now and AS OF the table read's timestamp, from the other session. */
async function expectExact(when: string): Promise<void> {
  const table = (await b.sql('SELECT count(*) AS n, sum(v) AS s FROM t'))[0]!;
  expect({ when, rows: table.rows }).toEqual({ when, rows: [[rows, sum]] });
  expect({ when, m: await b.rows(`SELECT n, s FROM m AS OF ${Number(table.timestamp)}`) }).toEqual({ when, m: [[rows, sum]] });
  expect({ when, m: await b.rows('SELECT n, s FROM m') }).toEqual({ when, m: [[rows, sum]] });
  expect({ when, mm: await b.rows('SELECT n10 FROM mm') }).toEqual({ when, mm: [[rows * 10]] });
}

/** Waits until `m` follows the txns upper, and then until the txns upper has moved well past it. */
async function following(): Promise<void> {
  await eventually(async () => (await viewsFollowing()) >= 1, 'the view follows the txns upper');
  await sleep(1500);
}

test('a followed view stays exact and readable when its input is written across cluster and storage host deaths', async () => {
  await a.sql('CREATE TABLE t (k int NOT NULL, v int)');
  await a.sql('CREATE MATERIALIZED VIEW m AS SELECT count(*) AS n, sum(v) AS s FROM t');
  await a.sql('CREATE MATERIALIZED VIEW mm AS SELECT n * 10 AS n10 FROM m');
  await a.sql('CREATE MATERIALIZED VIEW recent AS SELECT k FROM t WHERE mz_now() < v + 1000');
  await insert(5);
  await expectExact('at start');
  await following();
  // Only m: mm reads a view (no txns table), recent changes with time alone.
  expect(await viewsFollowing()).toBe(1);

  // The input is written while the cluster host is frozen (so its sink cannot have seen the
  // write), long enough for the view's since to be moved by its lease check, then the host dies.
  const cluster = await pidOf('cluster-u1');
  signal(cluster, 'SIGSTOP');
  await insert(3);
  await sleep(6000);
  await killAndAwait('cluster-u1', cluster);
  await expectExact('after the cluster host died while the input was written');

  // The storage host dies while the view follows (its readable upper was ahead of what it holds).
  await following();
  await killAndAwait('storage-0', await pidOf('storage-0'));
  await eventually(() => b.rows('SELECT count(*) FROM t'), 'the table readable again');
  await expectExact('after the storage host died');
  await insert(2);
  await expectExact('after a write once the storage host is back');

  // Both: written with the cluster host frozen, the storage host dies, written again, the cluster host dies.
  await following();
  const frozen = await pidOf('cluster-u1');
  signal(frozen, 'SIGSTOP');
  await insert(4);
  await killAndAwait('storage-0', await pidOf('storage-0'));
  await eventually(() => b.rows('SELECT count(*) FROM t'), 'the table readable again');
  await insert(1);
  await killAndAwait('cluster-u1', frozen);
  await expectExact('after both died around writes');

  // Idle again, it follows again, and answers at the newest time.
  await following();
  await expectExact('following again');
});
