/**
 * COMPUTE restart phases beyond cluster.test.ts, on a real platform (environment process, storage
 * host, cluster processes), by phase:
 * 01-kill-while-hydrating: the cluster process SIGKILLed before its view hydrated: it rehydrates
 *   and the view (index and sink) equals a recomputation.
 * 02-duplicated-cluster: a second cluster runs the same materialized view into the same STORAGE
 *   collection (two renditions): every time of the collection's changelog carries exactly the
 *   view's change at that time, so no time is written twice.
 * 03-both-at-once: the environment process (compute controller) and one cluster SIGKILLed
 *   together: that cluster rehydrates once, the other keeps its incarnation and does not.
 * 04-read-holds: the controller holds its dataflows' inputs at their asOf, moves the holds with
 *   CompactDataflow, and releases them when dataflows and clusters are dropped.
 */
import { randomUUID } from 'node:crypto';
import { signal } from '../../runtime/process-util.js';
import { SeededRandom } from '../../runtime/random.js';
import { StorageClient } from '../../protocol/storage/client.js';
import { evaluatePlan } from '../../protocol/compute/reference.js';
import type { Plan } from '../../protocol/compute/plan.js';
import type { DataflowDescription } from '../../protocol/compute/command.js';
import type { PeekResponse, Status } from '../../protocol/compute/response.js';
import type { ClusterList } from '../../protocol/compute/controller.js';
import { clusterSubject, computeControllerSubject } from '../../protocol/compute/subjects.js';
import type { Row, Update } from '../../protocol/types.js';
import type { Typed } from '../../runtime/transport.js';
import { setupNats, eventually, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';
import { int, JOIN_GROUP_PLAN } from './join-plan.js';

const region = 'cmrs';
const plan: Plan = JOIN_GROUP_PLAN;
/** Rows loaded into each input before the view is installed: enough that hydration takes a while. */
const INITIAL_ROWS = 60_000;
const KEYS = 5_000;

let nats: TestNats;
let p: TestPlatform;
let storage: StorageClient;
const rng = new SeededRandom(7);
const live: Record<'a' | 'b', Row[]> = { a: [], b: [] };
const uppers: Record<string, number> = {};
const times: number[] = [];
let view: DataflowDescription;

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
const cluster = <T extends Typed>(id: string, msg: Typed) => p.transport.request<T>(clusterSubject(region, id), msg, { timeoutMs: 60_000 });
const status = (id: string) => cluster<Status>(id, { type: 'GetStatus' });
const clusterInfo = async (id: string) => (await controller<ClusterList>({ type: 'ListClusters' })).clusters.find((c) => c.cluster === id)!;
const sorted = (rows: Array<[Row, number]>) => [...rows].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
const hydrated = (s: Status) => s.initialized && s.dataflows.some((d) => d.id === 'v1' && d.hydrated);

async function append(t: 'a' | 'b', updates: Update[], newUpper: number): Promise<void> {
  const r = await storage.compareAndAppend({ collection: t, writer: 'test', expectedUpper: uppers[t]!, newUpper, updates });
  expect(r.ok).toBe(true);
  uppers[t] = newUpper;
}

/** One time of random changes to both tables (retractions and insertions), both uppers aligned after it. */
async function rounds(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const at = Math.max(uppers['a']!, uppers['b']!);
    for (const t of ['a', 'b'] as const) {
      const updates: Update[] = [];
      for (let j = 0; j < 1 + Math.floor(rng.next() * 4); j++) {
        if (live[t].length > 0 && rng.next() < 0.5) {
          const [gone] = live[t].splice(Math.floor(rng.next() * live[t].length), 1);
          updates.push([gone!, at, -1]);
        }
        const row: Row = [Math.floor(rng.next() * 8), Math.floor(rng.next() * 10) - 3];
        live[t].push(row);
        updates.push([row, at, 1]);
      }
      if (uppers[t]! < at) await append(t, [], at);
      await append(t, updates, at + 1);
    }
    times.push(at);
  }
}

async function recompute(at: number): Promise<Array<[Row, number]>> {
  const inputs = new Map<string, Array<[Row, number]>>();
  for (const t of ['a', 'b']) inputs.set(t, await storage.snapshot(t, at, true));
  return sorted(evaluatePlan(plan, inputs));
}

/** The index of each cluster and the sink collection equal the recomputation at each time. */
async function checkView(at: number[], clusters: string[]): Promise<void> {
  for (const t of at) {
    const want = await recompute(t);
    for (const c of clusters) {
      const r = await cluster<PeekResponse>(c, { type: 'Peek', peekId: randomUUID(), dataflow: 'v1', timestamp: t });
      expect(r.outcome).toBe('rows');
      expect(sorted(r.rows as Array<[Row, number]>)).toEqual(want);
    }
    const out = await storage.snapshot('view_out', t, true).catch(async (err: Error) => {
      // Say where the sink stands, so a stuck sink is diagnosable from the failure alone.
      const sinks = await Promise.all(clusters.map(async (c) => ({ c, sink: (await status(c)).dataflows.find((d) => d.id === 'v1')?.sink })));
      throw new Error(`${err.message} at ${t}; view_out: ${JSON.stringify(await storage.describe('view_out'))}; sinks: ${JSON.stringify(sinks)}`);
    });
    expect(sorted(out)).toEqual(want);
  }
}

/**
 * Reads the sink collection's changelog from the view's asOf through `last` and returns the times
 * whose change differs from the view's change there (a time written twice has its change doubled).
 */
async function timesNotWrittenOnce(last: number): Promise<number[]> {
  const got: Update[] = [];
  let progress = 0;
  const sub = await storage.subscribe('view_out', view.asOf, {
    updates: (u) => got.push(...u),
    progress: (f) => {
      if (f.length === 1) progress = f[0]!;
    },
    failed: () => undefined,
  });
  await eventually(async () => progress > last, 'sink changelog read through the last time');
  sub.cancel();
  const byTime = new Map<number, Map<string, number>>();
  for (const [row, time, diff] of got) {
    if (time > last) continue;
    const m = byTime.get(time) ?? new Map<string, number>();
    m.set(JSON.stringify(row), (m.get(JSON.stringify(row)) ?? 0) + diff);
    byTime.set(time, m);
  }
  const bad: number[] = [];
  let before = new Map<string, number>();
  const checked = [view.asOf, ...times.filter((t) => t > view.asOf && t <= last)];
  for (const t of checked) {
    const now = new Map((await recompute(t)).map(([r, d]) => [JSON.stringify(r), d]));
    const want = new Map<string, number>();
    for (const [r, d] of now) want.set(r, d - (before.get(r) ?? 0));
    for (const [r, d] of before) if (!now.has(r)) want.set(r, -d);
    const have = byTime.get(t) ?? new Map<string, number>();
    const norm = (m: Map<string, number>) => JSON.stringify([...m].filter(([, d]) => d !== 0).sort());
    if (norm(have) !== norm(want)) bad.push(t);
    before = now;
  }
  // Every time carrying changes must be one the writer wrote at.
  for (const t of byTime.keys()) if (![...byTime.get(t)!.values()].every((d) => d === 0) && !checked.includes(t)) bad.push(t);
  return bad;
}

test('01-kill-while-hydrating: a cluster SIGKILLed before its view hydrated rehydrates and is correct', async () => {
  await eventually(() => storage.createSource('view_out', { kind: 'table', schema: [int('k'), int('count'), int('sum')] }), 'storage controller up');
  await storage.createSource('a', { kind: 'table', schema: [int('k'), int('v')] });
  await storage.createSource('b', { kind: 'table', schema: [int('k'), int('w')] });
  for (const t of ['a', 'b'] as const) uppers[t] = (await storage.describe(t)).upper;
  const at = Math.max(uppers['a']!, uppers['b']!);
  for (const t of ['a', 'b'] as const) {
    const rows: Row[] = Array.from({ length: INITIAL_ROWS }, (_, i) => [i % KEYS, i % 7]);
    live[t].push(...rows);
    if (uppers[t]! < at) await append(t, [], at);
    await append(t, rows.map((r) => [r, at, 1]), at + 1);
  }
  times.push(at);
  await rounds(3);
  view = { id: 'v1', plan, inputs: [{ name: 'a', collection: 'a' }, { name: 'b', collection: 'b' }], asOf: times[times.length - 1]!, exports: { index: true, sink: { collection: 'view_out' } } };
  await eventually(() => controller({ type: 'CreateCluster', cluster: 'c1' }), 'compute controller up');
  const before = await status('c1');
  await controller({ type: 'InstallDataflow', cluster: 'c1', dataflow: view });
  const installing = await status('c1');
  const pid = (await p.hosts()).find((h) => h.hostId === 'cluster-c1')!.pid;
  signal(pid, 'SIGKILL');
  // The kill really came during hydration.
  expect(installing.dataflows.find((d) => d.id === 'v1')?.hydrated).toBe(false);
  await rounds(2);
  const back = await eventually(async () => {
    const s = await status('c1');
    return s.incarnation !== before.incarnation && hydrated(s) && s;
  }, 'cluster c1 back and rehydrated');
  expect(back.incarnation).not.toBe(installing.incarnation);
  await checkView(times.filter((t) => t >= view.asOf), ['c1']);
});

test('02-duplicated-cluster: two renditions of one materialized view never write a time twice', async () => {
  await controller({ type: 'CreateCluster', cluster: 'c2' });
  await controller({ type: 'InstallDataflow', cluster: 'c2', dataflow: view });
  await eventually(async () => hydrated(await status('c2')), 'cluster c2 hydrated');
  await rounds(6);
  const last = times[times.length - 1]!;
  await checkView(times.filter((t) => t >= view.asOf), ['c1', 'c2']);
  expect(await timesNotWrittenOnce(last)).toEqual([]);
  // Both renditions wrote or lost races; neither wrote past the other.
  const sinks = await Promise.all(['c1', 'c2'].map(async (c) => (await status(c)).dataflows.find((d) => d.id === 'v1')!.sink!));
  expect(sinks.reduce((n, s) => n + s.appends, 0)).toBeGreaterThan(0);
});

test('03-both-at-once: controller and one cluster SIGKILLed together; only that cluster rehydrates', async () => {
  const c1 = await status('c1');
  const c2 = await status('c2');
  const info1 = await clusterInfo('c1');
  const info2 = await clusterInfo('c2');
  const pid1 = (await p.hosts()).find((h) => h.hostId === 'cluster-c1')!.pid;
  signal(p.envProcess.pid!, 'SIGKILL');
  signal(pid1, 'SIGKILL');
  await rounds(3);
  await p.startEnv();
  await eventually(async () => {
    const [s1, s2] = [await status('c1'), await status('c2')];
    return s1.incarnation !== c1.incarnation && hydrated(s1) && s1.epoch > c1.epoch && s2.epoch > c2.epoch && s2.initialized;
  }, 'new controller epoch initialized both clusters, c1 rehydrated');
  const after2 = await status('c2');
  expect(after2.incarnation).toBe(c2.incarnation);
  expect((await clusterInfo('c2')).rehydrations).toBe(info2.rehydrations);
  expect((await clusterInfo('c1')).rehydrations).toBe(info1.rehydrations + 1);
  await rounds(3);
  const last = times[times.length - 1]!;
  await checkView(times.slice(-6), ['c1', 'c2']);
  expect(await timesNotWrittenOnce(last)).toEqual([]);
});

test('04-read-holds: inputs are held at asOf while dataflows need them and released after', async () => {
  const holder = (c: string) => `compute.${c}.v1`;
  const holds = async (t: string) => (await storage.describe(t)).holds ?? {};
  for (const t of ['a', 'b']) {
    const h = await holds(t);
    expect(h[holder('c1')]).toBe(view.asOf);
    expect(h[holder('c2')]).toBe(view.asOf);
    expect((await storage.describe(t)).since).toBeLessThanOrEqual(view.asOf);
  }
  const to = times[times.length - 2]!;
  await controller({ type: 'CompactDataflow', cluster: 'c2', id: 'v1', frontier: [to] });
  for (const t of ['a', 'b']) expect((await holds(t))[holder('c2')]).toBe(to);
  await controller({ type: 'CompactDataflow', cluster: 'c2', id: 'v1', frontier: [] });
  for (const t of ['a', 'b']) expect((await holds(t))[holder('c2')]).toBeUndefined();
  expect((await clusterInfo('c2')).dataflows).toEqual([]);
  await eventually(async () => (await status('c2')).dataflows.length === 0, 'c2 dropped its dataflow');
  await controller({ type: 'DropCluster', cluster: 'c1' });
  for (const t of ['a', 'b']) expect(Object.keys(await holds(t)).filter((k) => k.startsWith('compute.'))).toEqual([]);
  // The cluster c2 still serves: a bad peek gets a typed error.
  const r = await cluster<PeekResponse>('c2', { type: 'Peek', peekId: randomUUID(), dataflow: 'v1', timestamp: to });
  expect(r.outcome).toBe('error');
  expect(r.error?.code).toBe('NotFound');
});
