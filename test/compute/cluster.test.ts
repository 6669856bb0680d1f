/**
 * COMPUTE end to end, by phase, on a real platform (environment process with the storage and
 * compute controllers, a storage host, a cluster in its own host process): a join + group-by view
 * over two STORAGE tables, exported as an index and as a materialized view, compared with a naive
 * recomputation (protocol/compute/reference.ts) at several timestamps.
 * 01-install: install, peek, index subscription, sink contents.
 * 02-peek-semantics: waits for the frontier, below `since` is an error, cancel, unknown dataflow.
 * 03-bad-input: bad plans and bad commands get typed errors; the cluster keeps serving.
 * 04-after-cluster-kill: the cluster process SIGKILLed while running: it rehydrates, the view
 *   still equals the recomputation, and the sink never wrote a time twice.
 * 05-after-controller-restart: the environment process SIGKILLed and restarted: the cluster keeps
 *   its dataflows (same incarnation, zero rehydrations) and goes on.
 */
import { randomUUID } from 'node:crypto';
import { signal } from '../../runtime/process-util.js';
import { SeededRandom } from '../../runtime/random.js';
import { StorageClient } from '../../protocol/storage/client.js';
import { evaluatePlan } from '../../protocol/compute/reference.js';
import type { Plan } from '../../protocol/compute/plan.js';
import type { PeekResponse, Status, SubscribeResponse } from '../../protocol/compute/response.js';
import type { ClusterList } from '../../protocol/compute/controller.js';
import { clusterSubject, computeControllerSubject } from '../../protocol/compute/subjects.js';
import { decode } from '../../protocol/codec.js';
import type { Row, Update } from '../../protocol/types.js';
import type { Typed } from '../../runtime/transport.js';
import { setupNats, eventually, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';
import { int, JOIN_GROUP_PLAN } from './join-plan.js';

const region = 'cmpt';
const plan: Plan = JOIN_GROUP_PLAN;

let nats: TestNats;
let p: TestPlatform;
let storage: StorageClient;
const rng = new SeededRandom(42);
const live: Record<'a' | 'b', Row[]> = { a: [], b: [] };
const uppers: Record<string, number> = {};
let asOf = 0;
const times: number[] = [];

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  storage = new StorageClient(p.transport, region);
});
afterAll(async () => {
  await p?.cleanup();
  await nats?.cleanup();
});

const controller = <T extends Typed>(msg: Typed) => p.transport.request<T>(computeControllerSubject(region), msg, { timeoutMs: 60_000 });
const cluster = <T extends Typed>(msg: Typed) => p.transport.request<T>(clusterSubject(region, 'c1'), msg, { timeoutMs: 60_000 });
const peek = (timestamp: number, dataflow = 'v1') => cluster<PeekResponse>({ type: 'Peek', peekId: randomUUID(), dataflow, timestamp });
const clusterInfo = async () => (await controller<ClusterList>({ type: 'ListClusters' })).clusters.find((c) => c.cluster === 'c1')!;

/** Writes one round of random changes to both tables (each a retraction and an insertion). */
async function writeRound(changes: number): Promise<void> {
  for (const t of ['a', 'b'] as const) {
    const updates: Update[] = [];
    const at = uppers[t]!;
    for (let i = 0; i < changes; i++) {
      if (live[t].length > 0 && rng.next() < 0.5) {
        const idx = Math.floor(rng.next() * live[t].length);
        const [gone] = live[t].splice(idx, 1);
        updates.push([gone!, at, -1]);
      }
      const row: Row = [Math.floor(rng.next() * 8), Math.floor(rng.next() * 10) - 3];
      live[t].push(row);
      updates.push([row, at, 1]);
    }
    const r = await storage.compareAndAppend({ collection: t, writer: 'test', expectedUpper: at, newUpper: at + 1, updates });
    expect(r.ok).toBe(true);
    uppers[t] = at + 1;
  }
}

/** Both tables' uppers equal, so the view's frontier reaches their common upper. */
async function alignUppers(to: number): Promise<void> {
  for (const t of ['a', 'b'] as const) {
    if (uppers[t]! < to) {
      expect((await storage.compareAndAppend({ collection: t, writer: 'test', expectedUpper: uppers[t]!, newUpper: to, updates: [] })).ok).toBe(true);
      uppers[t] = to;
    }
  }
}

async function rounds(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const start = Math.max(uppers['a']!, uppers['b']!);
    await alignUppers(start);
    await writeRound(1 + Math.floor(rng.next() * 4));
    times.push(start);
  }
  await alignUppers(Math.max(uppers['a']!, uppers['b']!));
}

async function recompute(at: number): Promise<Array<[Row, number]>> {
  const inputs = new Map<string, Array<[Row, number]>>();
  for (const t of ['a', 'b']) inputs.set(t, await storage.snapshot(t, at, true));
  return sorted(evaluatePlan(plan, inputs));
}

const sorted = (rows: Array<[Row, number]>) => [...rows].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));

/** The index (peek) and the sink collection both equal the recomputation at each time. */
async function checkView(at: number[]): Promise<void> {
  for (const t of at) {
    const want = await recompute(t);
    const r = await peek(t);
    expect(r.outcome).toBe('rows');
    expect(sorted(r.rows as Array<[Row, number]>)).toEqual(want);
    expect(sorted(await storage.snapshot('view_out', t, true))).toEqual(want);
  }
}

test('01-install: a join + group-by view equals a recomputation, as an index and as a sink', async () => {
  // The sink collection exists before the inputs, so its upper is below the view's asOf.
  await eventually(() => storage.createSource('view_out', { kind: 'table', schema: [int('k'), int('count'), int('sum')] }), 'storage controller up');
  await storage.createSource('a', { kind: 'table', schema: [int('k'), int('v')] });
  await storage.createSource('b', { kind: 'table', schema: [int('k'), int('w')] });
  for (const t of ['a', 'b']) uppers[t] = (await storage.describe(t)).upper;
  await rounds(5);
  asOf = times[2]!;
  await eventually(() => controller({ type: 'CreateCluster', cluster: 'c1' }), 'compute controller up');
  await controller({
    type: 'InstallDataflow',
    cluster: 'c1',
    dataflow: { id: 'v1', plan, inputs: [{ name: 'a', collection: 'a' }, { name: 'b', collection: 'b' }], asOf, exports: { index: true, sink: { collection: 'view_out' } } },
  });
  await rounds(5);
  await checkView(times.filter((t) => t >= asOf));

  // The index subscription: snapshot at asOf, then updates with progress, adding up to the view.
  const got: Update[] = [];
  let progress = 0;
  const inbox = `_INBOX.${randomUUID()}`;
  const sub = p.transport.subscribe(inbox, (m) => {
    const r = decode(m.data) as SubscribeResponse;
    got.push(...r.updates);
    if (r.progress.length === 1) progress = Math.max(progress, r.progress[0]!);
  });
  await cluster({ type: 'SubscribeIndex', subscribeId: 's1', dataflow: 'v1', inbox, asOf });
  await rounds(3);
  const last = times[times.length - 1]!;
  await eventually(async () => progress > last, 'subscription progress passes the last write');
  const acc = new Map<string, number>();
  for (const [row, time, diff] of got) {
    expect(time).toBeGreaterThanOrEqual(asOf);
    if (time <= last) acc.set(JSON.stringify(row), (acc.get(JSON.stringify(row)) ?? 0) + diff);
  }
  const fromStream = sorted([...acc].filter(([, d]) => d !== 0).map(([r, d]) => [JSON.parse(r) as Row, d]));
  expect(fromStream).toEqual(await recompute(last));
  await cluster({ type: 'CancelSubscribe', subscribeId: 's1' });
  sub.unsubscribe();
});

test('02-peek-semantics: waits for the frontier, refuses below since, answers once, cancels', async () => {
  const future = Math.max(uppers['a']!, uppers['b']!) + 5;
  const pending = peek(future);
  let answered = false;
  void pending.then(() => (answered = true));
  await new Promise((r) => setTimeout(r, 300));
  expect(answered).toBe(false);
  await rounds(1);
  await alignUppers(future + 1);
  const r = await pending;
  expect(r.outcome).toBe('rows');
  expect(sorted(r.rows as Array<[Row, number]>)).toEqual(await recompute(future));

  // Cancel: the waiting peek gets exactly one response, `canceled`.
  const peekId = randomUUID();
  const waiting = cluster<PeekResponse>({ type: 'Peek', peekId, dataflow: 'v1', timestamp: future + 1000 });
  await cluster({ type: 'CancelPeek', peekId });
  expect((await waiting).outcome).toBe('canceled');

  // Compaction: since moves, and a peek below it is an error.
  const compactTo = times[times.length - 2]!;
  await controller({ type: 'CompactDataflow', cluster: 'c1', id: 'v1', frontier: [compactTo] });
  const below = await peek(compactTo - 1);
  expect(below.outcome).toBe('error');
  expect(below.error?.code).toBe('SinceViolation');
  const unknown = await peek(compactTo, 'nope');
  expect(unknown.outcome).toBe('error');
  expect(unknown.error?.code).toBe('NotFound');
  await checkView([compactTo]);

  // A map-filter-project in the peek: the same rows as applying it to the whole index here.
  const col = (index: number) => ({ op: 'col' as const, index });
  const lit = (value: number) => ({ op: 'lit' as const, value, type: 'int' as const });
  const v: Plan = { op: 'get', name: 'v1', arity: 3 };
  const peekWith = (plan: unknown) => cluster<PeekResponse>({ type: 'Peek', peekId: randomUUID(), dataflow: 'v1', timestamp: compactTo, mfp: plan });
  const whole = (await peek(compactTo)).rows as Array<[Row, number]>;
  const firstKey = whole[0]![0][0] as number;
  const mfp: Plan = {
    op: 'project',
    input: { op: 'map', input: { op: 'filter', input: v, predicates: [{ op: 'call', fn: '<>', args: [col(0), lit(firstKey)] }] }, exprs: [{ op: 'call', fn: '*', args: [col(0), lit(2)] }] },
    columns: [3, 1],
  };
  const filtered = await peekWith(mfp);
  expect(filtered.outcome).toBe('rows');
  expect(sorted(filtered.rows as Array<[Row, number]>)).toEqual(sorted(evaluatePlan(mfp, new Map([['v1', whole]]))));
  expect(filtered.rows.length).toBeLessThan(whole.length);
  // Not linear, the wrong arity, a bad column: refused; an evaluation error fails only that peek.
  for (const bad of [{ op: 'distinct', input: v }, { op: 'get', name: 'v1', arity: 2 }, { op: 'project', input: v, columns: [9] }, { op: 'explode' }]) {
    const r = await peekWith(bad);
    expect(r.outcome).toBe('error');
    expect(r.error?.code).toBe('InvalidRequest');
  }
  const divByZero = await peekWith({ op: 'map', input: v, exprs: [{ op: 'call', fn: '/', args: [col(0), lit(0)] }] });
  expect(divByZero.outcome).toBe('error');
  expect(divByZero.error?.code).toBe('EvalError');

  // A lookup on a dataflow installed without key columns reads every row: the same answer.
  const noKeys = await cluster<PeekResponse>({ type: 'Peek', peekId: randomUUID(), dataflow: 'v1', timestamp: compactTo, lookup: [[firstKey]] });
  expect(sorted(noKeys.rows as Array<[Row, number]>)).toEqual(sorted(whole));
  // An index with key columns: a lookup returns exactly the rows with those key values.
  await controller({ type: 'InstallDataflow', cluster: 'c1', dataflow: { id: 'k1', plan: { op: 'get', name: 'a', arity: 2 }, inputs: [{ name: 'a', collection: 'a' }], asOf: compactTo, exports: { index: true, indexKeys: [0] } } });
  const all = (await peek(compactTo, 'k1')).rows as Array<[Row, number]>;
  const keys = [...new Set(all.map(([r]) => r[0] as number))].slice(0, 3);
  expect(keys.length).toBeGreaterThan(0);
  const byKey = await cluster<PeekResponse>({ type: 'Peek', peekId: randomUUID(), dataflow: 'k1', timestamp: compactTo, lookup: [...keys.map((k) => [k]), [-12345]] });
  expect(byKey.outcome).toBe('rows');
  expect(sorted(byKey.rows as Array<[Row, number]>)).toEqual(sorted(all.filter(([r]) => keys.includes(r[0] as number))));
  const withMfp = await cluster<PeekResponse>({ type: 'Peek', peekId: randomUUID(), dataflow: 'k1', timestamp: compactTo, lookup: [[keys[0]!]], mfp: { op: 'project', input: { op: 'get', name: 'a', arity: 2 }, columns: [1] } });
  expect(sorted(withMfp.rows as Array<[Row, number]>)).toEqual(sorted(evaluatePlan({ op: 'project', input: { op: 'get', name: 'k1', arity: 2 }, columns: [1] }, new Map([['k1', all.filter(([r]) => r[0] === keys[0])]]))));
  const wrongLength = await cluster<PeekResponse>({ type: 'Peek', peekId: randomUUID(), dataflow: 'k1', timestamp: compactTo, lookup: [[1, 2]] });
  expect(wrongLength.outcome).toBe('error');
  expect(wrongLength.error?.code).toBe('InvalidRequest');
  await controller({ type: 'CompactDataflow', cluster: 'c1', id: 'k1', frontier: [] });
  await eventually(async () => (await clusterInfo()).dataflows.length === 1, 'k1 dropped');
  await checkView([compactTo]);
});

test('03-bad-input: bad plans and bad commands get typed errors; the cluster keeps serving', async () => {
  const bad = (dataflow: Record<string, unknown>) => controller({ type: 'InstallDataflow', cluster: 'c1', dataflow: { inputs: [{ name: 'a', collection: 'a' }], asOf, exports: { index: true }, ...dataflow } });
  await expect(bad({ id: 'x1', plan: { op: 'explode' } })).rejects.toMatchObject({ code: 'InvalidRequest' });
  await expect(bad({ id: 'x2', plan: { op: 'get', name: 'zzz', arity: 2 } })).rejects.toMatchObject({ code: 'InvalidRequest' });
  await expect(bad({ id: 'x3', plan: { op: 'project', input: { op: 'get', name: 'a', arity: 2 }, columns: [7] } })).rejects.toMatchObject({ code: 'InvalidRequest' });
  await expect(controller({ type: 'InstallDataflow', cluster: 'nosuch', dataflow: { id: 'x4', plan: { op: 'get', name: 'a', arity: 2 }, inputs: [{ name: 'a', collection: 'a' }], asOf, exports: { index: true } } })).rejects.toMatchObject({ code: 'NotFound' });
  await expect(cluster({ type: 'Peek', peekId: 'bad id!', dataflow: 'v1', timestamp: 1 })).rejects.toMatchObject({ code: 'SchemaViolation' });
  await expect(cluster({ type: 'Hello', epoch: 0, controller: 'stale' })).rejects.toMatchObject({ code: 'SchemaViolation' });
  const listed = await clusterInfo();
  expect(listed.dataflows).toEqual(['v1']);
  await rounds(2);
  await checkView(times.slice(-2));
});

test('04-after-cluster-kill: the cluster process SIGKILLed rehydrates; the sink never writes a time twice', async () => {
  const before = await clusterInfo();
  const host = (await p.hosts()).find((h) => h.hostId === 'cluster-c1')!;
  const incarnation = (await cluster<Status>({ type: 'GetStatus' })).incarnation;
  const writing = rounds(3);
  signal(host.pid, 'SIGKILL');
  await writing;
  await eventually(async () => {
    const s = await cluster<Status>({ type: 'GetStatus' });
    return s.incarnation !== incarnation && s.initialized && s.dataflows.some((d) => d.id === 'v1' && d.hydrated);
  }, 'cluster back and rehydrated');
  // The controller counts the rehydration once its last replayed command is answered, which can
  // come just after the cluster reports itself hydrated (seen in a loaded full run).
  await eventually(async () => (await clusterInfo()).rehydrations >= before.rehydrations + 1, 'the rehydration counted');
  expect((await clusterInfo()).rehydrations).toBe(before.rehydrations + 1);
  await rounds(2);
  await checkView(times.slice(-5));
  // A time written twice would double its rows in the sink: checkView compares them exactly.
});

test('05-after-controller-restart: running clusters keep their dataflows and do not rehydrate', async () => {
  const before = await clusterInfo();
  const status = await cluster<Status>({ type: 'GetStatus' });
  signal(p.envProcess.pid!, 'SIGKILL');
  const writing = rounds(2);
  await writing;
  await p.startEnv();
  await eventually(async () => (await clusterInfo()).status?.initialized === true && (await cluster<Status>({ type: 'GetStatus' })).epoch > status.epoch, 'new controller epoch reached the cluster');
  const after = await cluster<Status>({ type: 'GetStatus' });
  expect(after.incarnation).toBe(status.incarnation);
  expect((await clusterInfo()).rehydrations).toBe(before.rehydrations);
  await rounds(2);
  await checkView(times.slice(-4));
});

test('06-one-dataflow-fails: only it stops and restarts; the cluster and its other dataflows go on', async () => {
  const before = await cluster<Status>({ type: 'GetStatus' });
  await storage.createSource('doomed', { kind: 'table', schema: [int('k'), int('v')] });
  const at = (await eventually(() => storage.describe('doomed'), 'doomed up')).upper;
  await controller({ type: 'InstallDataflow', cluster: 'c1', dataflow: { id: 'v2', plan: { op: 'get', name: 'd', arity: 2 }, inputs: [{ name: 'd', collection: 'doomed' }], asOf: Math.max(0, at - 1), exports: { index: true } } });
  // Its input dropped under it, in STORAGE directly (SQL would refuse): its subscription fails.
  await storage.dropSource('doomed');
  const failed = await eventually(async () => (await cluster<Status>({ type: 'GetStatus' })).dataflows.find((d) => d.id === 'v2' && (d.restarts ?? 0) >= 2), 'v2 failed and restarted');
  expect(failed.lastError).toMatch(/doomed/);
  const r = await peek(Number.MAX_SAFE_INTEGER - 1, 'v2');
  expect(r.outcome).toBe('error');
  expect(r.error).toMatchObject({ code: 'Unavailable' });
  expect(r.error!.message).toMatch(/v2 failed .*restarting/);
  // The cluster did not restart, and v1 still follows its inputs.
  const after = await cluster<Status>({ type: 'GetStatus' });
  expect(after.incarnation).toBe(before.incarnation);
  await rounds(2);
  await checkView(times.slice(-2));
  // Dropping it through the controller ends its restarts.
  await controller({ type: 'CompactDataflow', cluster: 'c1', id: 'v2', frontier: [] });
  await eventually(async () => !(await cluster<Status>({ type: 'GetStatus' })).dataflows.some((d) => d.id === 'v2'), 'v2 gone');
});
