/**
 * Zombies on the JetStream backend (`DFN_STORAGE=jetstream`): a storage host process SIGSTOPped
 * while a successor (same host id, an empty data dir) takes over its collections and txns log,
 * then SIGCONTed. The old process must write nothing that counts and stop:
 * - 01: with its heartbeat watch off, its first state write fails with Fenced and the process
 *   exits (ActorContext.superseded), even the write of an Append the successor refused;
 * - 02: with the watch on, it exits on hearing its successor's heartbeat.
 * Either way the successor keeps serving and writing, unfenced, with exactly its rows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../runtime/nats-server.js';
import { Transport } from '../../runtime/transport.js';
import { isAlive, signal } from '../../runtime/process-util.js';
import { hostSubject } from '../../protocol/subjects.js';
import { collectionSubject, txnsSubject } from '../../protocol/storage/subjects.js';
import type { CollectionInfo } from '../../protocol/storage/response.js';
import type { TxnsInfo } from '../../protocol/storage/txns.js';
import type { HostTree } from '../../protocol/sys/messages.js';
import { isErrorCode } from '../../protocol/errors.js';
import { eventually, PLATFORM_USER, setupSyncedNats, type TestNats } from '../helpers/nats.js';

const region = 'jszombie';
const HOST = 'storage-z';
const COLLECTION = 'zt';
const spec = { kind: 'table', schema: [{ name: 'k', type: 'int', nullable: false }] };
let nats: TestNats;
let t: Transport;
const dirs: string[] = [];
const procs: ChildProcess[] = [];
/** Every row acknowledged, in order. */
const acked: number[] = [];
let token = 0;
/** 01's successor, left SIGSTOPped for 02. */
let successor: Started | undefined;

beforeAll(async () => {
  nats = await setupSyncedNats();
  t = await Transport.connect({ servers: nats.url, name: 'test:zombie', ...PLATFORM_USER, timeoutMs: 10_000 });
});
afterAll(async () => {
  for (const c of procs) if (c.pid && isAlive(c.pid)) signal(c.pid, 'SIGKILL');
  await t?.close();
  await nats?.cleanup();
  if (!process.env['DFN_TEST_KEEP']) for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  dir: string;
  exited: Promise<number | null>;
  log: () => string;
}

/** A `definite host` process for HOST on a fresh, empty data dir; resolves once it answers (its own pid). */
async function startHost(extraEnv: Record<string, string> = {}): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'dfn-zombie-'));
  dirs.push(dir);
  const logPath = join(dir, 'host.log');
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'definite.js'), 'host', '--host-id', HOST], {
    env: {
      ...process.env,
      DFN_REGION: region,
      DFN_DATA_DIR: dir,
      DFN_NATS_URL: nats.url,
      DFN_NATS_USER: PLATFORM_USER.user,
      DFN_NATS_PASS: PLATFORM_USER.pass,
      DFN_STORAGE: 'jetstream',
      ...extraEnv,
    },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  procs.push(child);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await eventually(async () => {
    const tree = await t.request<HostTree>(hostSubject(region, HOST), { type: 'GetHostTree' }, { timeoutMs: 1000 });
    return tree.root.pid === child.pid;
  }, 'the host process answering');
  for (const actor of [{ kind: 'txns', id: HOST }, { kind: 'collection', id: COLLECTION, config: { spec } }]) {
    await t.request(hostSubject(region, HOST), { type: 'StartActor', actor }, { timeoutMs: 30_000 });
  }
  await eventually(() => describe(), 'the collection running');
  return { child, dir, exited, log: () => readFileSync(logPath, 'utf8') };
}

async function describe(): Promise<CollectionInfo['collection']> {
  return (await t.request<CollectionInfo>(collectionSubject(region, COLLECTION), { type: 'Describe' }, { timeoutMs: 2000 })).collection;
}

async function writeUpper(): Promise<number> {
  const d = await describe();
  return (d as { writeUpper?: number }).writeUpper ?? d.upper;
}

function appendAt(expectedUpper: number, ks: number[]) {
  return t.request(collectionSubject(region, COLLECTION), {
    type: 'Append',
    writer: 'zombie-test',
    token: `t${token++}`,
    expectedUpper,
    newUpper: expectedUpper + 1,
    updates: ks.map((k) => [[k], expectedUpper, 1]),
  });
}

async function append(ks: number[]): Promise<number> {
  const upper = await writeUpper();
  await appendAt(upper, ks);
  acked.push(...ks);
  return upper + 1;
}

async function contents(): Promise<number[]> {
  const upper = await writeUpper();
  const snap = await t.request<{ type: 'SnapshotRows'; rows: Array<[unknown[], number]> }>(collectionSubject(region, COLLECTION), { type: 'Snapshot', asOf: upper - 1 });
  return snap.rows.flatMap(([row, diff]) => Array.from({ length: diff }, () => row[0] as number)).sort((a, b) => a - b);
}

const sortedAcked = () => [...acked].sort((a, b) => a - b);

test('01-a zombie whose heartbeat watch is off is fenced at its first write and exits', async () => {
  const a = await startHost({ DFN_WATCH_SUCCESSORS: '0' });
  for (let i = 0; i < 3; i++) await append([i * 10, i * 10 + 1]);
  const staleUpper = await writeUpper();
  await t.request(txnsSubject(region, HOST), { type: 'AdvanceTxns', writer: 'zombie-test', upper: staleUpper });
  signal(a.child.pid!, 'SIGSTOP');

  const b = await startHost();
  expect(await contents()).toEqual(sortedAcked());
  await append([100]);
  await t.request(txnsSubject(region, HOST), { type: 'AdvanceTxns', writer: 'zombie-test', upper: staleUpper + 5 });
  // What the stopped process will find waiting: an Append at the upper it knows (its successor
  // refuses it: the upper moved) and a txns advance past what it knows.
  const refused = await appendAt(staleUpper, [999]).then(() => undefined, (err: unknown) => err);
  expect(isErrorCode(refused, 'UpperMismatch')).toBe(true);
  const advance = t.request<TxnsInfo>(txnsSubject(region, HOST), { type: 'AdvanceTxns', writer: 'zombie-test', upper: staleUpper + 3 });
  expect((await advance).upper).toBe(staleUpper + 5); // the successor: already past it

  signal(a.child.pid!, 'SIGCONT');
  expect(await a.exited).toBe(75);
  expect(a.log()).toMatch(/superseded/);
  expect(a.log()).toMatch(/another process wrote its state/);

  // The successor was not fenced: it serves exactly the acknowledged rows and goes on writing.
  expect(isAlive(b.child.pid!)).toBe(true);
  expect(await contents()).toEqual(sortedAcked());
  await append([101, 102]);
  expect(await contents()).toEqual(sortedAcked());
  expect((await t.request<TxnsInfo>(txnsSubject(region, HOST), { type: 'DescribeTxns' })).upper).toBe(staleUpper + 5);
  signal(b.child.pid!, 'SIGSTOP');
  successor = b;
});

test('02-a zombie hearing its successor heartbeat exits; the successor keeps its state', async () => {
  const b = successor!;
  // b is stopped (end of 01); c takes over on an empty dir.
  const c = await startHost();
  expect(await contents()).toEqual(sortedAcked());
  await append([200]);
  signal(b.child.pid!, 'SIGCONT');
  expect(await b.exited).toBe(75);
  expect(b.log()).toMatch(/superseded/);
  // c was never fenced by b: it is still running and writing.
  await append([201]);
  expect(await contents()).toEqual(sortedAcked());
  expect(isAlive(c.child.pid!)).toBe(true);
  expect(c.log()).not.toMatch(/superseded/);
});
