/**
 * `npm run example compute-restart [-- ROWS]`: a join + group-by view
 * (`SELECT k, count(*), sum(v*w) FROM a JOIN b USING (k) GROUP BY k`) installed on cluster c1 as
 * an index and a materialized view (sink into STORAGE collection `view_out`), over two STORAGE
 * tables loaded with ROWS rows each (default 50,000). While a writer keeps changing both tables
 * it SIGKILLs the cluster process, waits for it to rehydrate, SIGKILLs and restarts the compute
 * controller (the environment process), and writes on. Then it compares, at every written time,
 * the view's index (peek) and the sink collection's contents with a naive recomputation
 * (protocol/compute/reference.ts) over what the writer had acknowledged.
 * The last line is one JSON object: viewMatchesRecompute, timesChecked, clusterRehydrations,
 * clusterIncarnations, rehydrationsAfterControllerRestart, timesWrittenTwice, hydrationMs,
 * rehydrationMs (SIGKILL of the cluster until its view is hydrated again).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signal } from '../runtime/process-util.js';
import { SeededRandom } from '../runtime/random.js';
import { StorageClient } from '../protocol/storage/client.js';
import { evaluatePlan } from '../protocol/compute/reference.js';
import type { Plan } from '../protocol/compute/plan.js';
import type { PeekResponse, Status } from '../protocol/compute/response.js';
import type { ClusterList } from '../protocol/compute/controller.js';
import { clusterResponsesSubject, clusterSubject, computeControllerSubject } from '../protocol/compute/subjects.js';
import { decode } from '../protocol/codec.js';
import type { Row, Update } from '../protocol/types.js';
import type { Typed } from '../runtime/transport.js';
import { startExamplePlatform, until, type ExamplePlatform } from './support/platform.js';

const KEYS_PER_ROW = 2;
const int = (name: string) => ({ name, type: 'int' as const, nullable: false });
const plan: Plan = {
  op: 'reduce',
  input: { op: 'join', inputs: [{ op: 'get', name: 'a', arity: 2 }, { op: 'get', name: 'b', arity: 2 }], equivalences: [[0, 2]] },
  groupKey: [0],
  aggregates: [
    { fn: 'count_star', expr: { op: 'lit', value: null, type: 'int' } },
    { fn: 'sum', expr: { op: 'call', fn: '*', args: [{ op: 'col', index: 1 }, { op: 'col', index: 3 }] } },
  ],
};

/** The writer: the tables' acknowledged contents, by time, kept beside STORAGE to recompute from. */
class Writer {
  readonly live = { a: new Map<string, [Row, number]>(), b: new Map<string, [Row, number]>() };
  /** Contents of a and b right after each written time (the time's own contents). */
  readonly history = new Map<number, { a: Array<[Row, number]>; b: Array<[Row, number]> }>();
  upper = 0;
  private readonly rng = new SeededRandom(7);

  constructor(
    private readonly storage: StorageClient,
    private readonly keys: number,
  ) {}

  private row(): Row {
    return [Math.floor(this.rng.next() * this.keys), Math.floor(this.rng.next() * 100)];
  }

  private apply(t: 'a' | 'b', row: Row, diff: number): void {
    const key = JSON.stringify(row);
    const cur = this.live[t].get(key);
    const n = (cur?.[1] ?? 0) + diff;
    if (n === 0) this.live[t].delete(key);
    else this.live[t].set(key, [row, n]);
  }

  /** Appends `inserts` new rows and `changes` (retract one, insert one) to both tables at one time. */
  async write(inserts: number, changes: number): Promise<number> {
    const at = this.upper;
    for (const t of ['a', 'b'] as const) {
      const updates: Update[] = [];
      for (let i = 0; i < inserts; i++) updates.push([this.row(), at, 1]);
      const rows = [...this.live[t].values()];
      for (let i = 0; i < changes && rows.length > 0; i++) {
        const [gone] = rows.splice(Math.floor(this.rng.next() * rows.length), 1);
        updates.push([gone![0], at, -1], [this.row(), at, 1]);
      }
      const r = await this.storage.compareAndAppend({ collection: t, writer: 'example', token: `${t}-${at}`, expectedUpper: at, newUpper: at + 1, updates });
      if (!r.ok) throw new Error(`append to ${t} at ${at} refused: upper is ${r.currentUpper}`);
      for (const [row, , diff] of updates) this.apply(t, row, diff);
    }
    this.upper = at + 1;
    this.history.set(at, { a: [...this.live.a.values()], b: [...this.live.b.values()] });
    return at;
  }
}

const keyOf = (rows: Array<[Row, number]>) => JSON.stringify([...rows].map(([r, d]) => JSON.stringify([r, d])).sort());

export async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 50_000);
  const p = await startExamplePlatform('cres');
  try {
    await run(p, rows);
  } catch (err) {
    console.error(`failed; tail of env.log:\n${readFileSync(join(p.dir, 'env.log'), 'utf8').split('\n').slice(-30).join('\n')}`);
    throw err;
  } finally {
    await p.stop();
  }
}

async function run(p: ExamplePlatform, rows: number): Promise<void> {
  const storage = new StorageClient(p.transport, p.region);
  // Short timeouts: a request that raced a SIGKILL into a dead subscription must not stall a poll.
  const request = <T extends Typed>(subject: string, msg: Typed, timeoutMs = 60_000) => p.transport.request<T>(subject, msg, { timeoutMs });
  const controller = <T extends Typed>(msg: Typed) => request<T>(computeControllerSubject(p.region), msg);
  const cluster = <T extends Typed>(msg: Typed) => request<T>(clusterSubject(p.region, 'c1'), msg);
  const clusterInfo = async () => (await controller<ClusterList>({ type: 'ListClusters' })).clusters.find((c) => c.cluster === 'c1')!;

  // The sink's collection first, so its upper is at or below the view's asOf.
  await until(() => storage.createSource('view_out', { kind: 'table', schema: [int('k'), int('count'), int('sum')] }), 'storage controller up', 60_000, 100);
  await storage.createSource('a', { kind: 'table', schema: [int('k'), int('v')] });
  await storage.createSource('b', { kind: 'table', schema: [int('k'), int('w')] });
  const writer = new Writer(storage, Math.max(1, Math.floor(rows / KEYS_PER_ROW)));
  writer.upper = Math.max(...(await Promise.all(['a', 'b', 'view_out'].map(async (c) => (await storage.describe(c)).upper))));
  for (const t of ['a', 'b']) {
    const u = (await storage.describe(t)).upper;
    if (u < writer.upper) await storage.compareAndAppend({ collection: t, writer: 'example', expectedUpper: u, newUpper: writer.upper, updates: [] });
  }
  for (let loaded = 0; loaded < rows; loaded += 10_000) await writer.write(Math.min(10_000, rows - loaded), 0);
  const asOf = writer.upper - 1;
  console.log(`tables a and b loaded with ${rows} rows each; installing the view at asOf ${asOf}`);

  // Every cluster incarnation seen on its status subject.
  const incarnations = new Set<string>();
  const statusSub = p.transport.subscribe(clusterResponsesSubject(p.region, 'c1'), (m) => {
    const s = decode(m.data) as Status;
    if (s.type === 'Status') incarnations.add(s.incarnation);
  });
  await until(() => controller({ type: 'CreateCluster', cluster: 'c1' }), 'compute controller up', 60_000, 100);
  await controller({
    type: 'InstallDataflow',
    cluster: 'c1',
    dataflow: { id: 'v1', plan, inputs: [{ name: 'a', collection: 'a' }, { name: 'b', collection: 'b' }], asOf, exports: { index: true, sink: { collection: 'view_out' } } },
  });
  const hydrated = async (notIncarnation?: string) => {
    const s = await request<Status>(clusterSubject(p.region, 'c1'), { type: 'GetStatus' }, 1000);
    const d = s.dataflows.find((x) => x.id === 'v1');
    return s.incarnation !== notIncarnation && d?.hydrated ? { status: s, hydrationMs: d.hydrationMs ?? 0 } : undefined;
  };
  const first = await until(() => hydrated(), 'view hydrated', 300_000, 20);
  console.log(`hydrated ${2 * rows} input rows in ${first.hydrationMs} ms (cluster incarnation ${first.status.incarnation.slice(0, 8)})`);

  // A writer that keeps going through every fault.
  let writing = true;
  const writes = (async () => {
    while (writing) {
      await writer.write(2, 5);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const waitWrites = async (n: number) => {
    const target = writer.upper + n;
    await until(() => writer.upper >= target, `${n} more writes`, 120_000, 10);
  };
  await waitWrites(10);

  // 1. SIGKILL the cluster process; the orchestrator restarts it and the controller replays.
  const hostPid = await p.hostPid('cluster-c1');
  const killedAt = performance.now();
  signal(hostPid, 'SIGKILL');
  console.log(`SIGKILL cluster process pid ${hostPid}`);
  const again = await until(() => hydrated(first.status.incarnation), 'cluster rehydrated', 300_000, 5);
  const rehydrationMs = Math.round(performance.now() - killedAt);
  console.log(`cluster back as incarnation ${again.status.incarnation.slice(0, 8)}, rehydrated in ${again.hydrationMs} ms (${rehydrationMs} ms after SIGKILL)`);
  await waitWrites(10);

  // 2. SIGKILL and restart the compute controller (the environment process).
  const beforeRestart = await clusterInfo();
  const epochBefore = (await cluster<Status>({ type: 'GetStatus' })).epoch;
  signal(p.env.pid!, 'SIGKILL');
  console.log(`SIGKILL environment process pid ${p.env.pid} (compute controller epoch ${epochBefore})`);
  await p.startEnv();
  await until(async () => {
    const s = await request<Status>(clusterSubject(p.region, 'c1'), { type: 'GetStatus' }, 1000);
    return s.epoch > epochBefore && s.initialized;
  }, 'new controller initialized the cluster', 120_000, 20);
  await waitWrites(10);
  const afterRestart = await clusterInfo();
  const statusAfter = await cluster<Status>({ type: 'GetStatus' });
  console.log(`controller back; cluster incarnation ${statusAfter.incarnation.slice(0, 8)}, epoch ${statusAfter.epoch}`);

  writing = false;
  await writes;
  const last = writer.upper - 1;

  // Compare at every written time since asOf: the index (peek) and the sink with a recomputation.
  const sinkRows = new Map<number, Update[]>();
  let sinkUpper = 0;
  const sinkSub = await storage.subscribe('view_out', asOf, {
    updates: (us) => {
      for (const u of us) (sinkRows.get(u[1]) ?? sinkRows.set(u[1], []).get(u[1])!).push(u);
    },
    progress: (f) => (sinkUpper = f[0] ?? sinkUpper),
    failed: (e) => console.error(`sink subscription failed: ${e.message}`),
  });
  await until(() => sinkUpper > last, 'sink caught up', 120_000, 10);
  sinkSub.cancel();
  const sinkAt = new Map<string, [Row, number]>();
  let viewMatches = true;
  let timesWrittenTwice = 0;
  let timesChecked = 0;
  const times = [...writer.history.keys()].filter((t) => t >= asOf && t <= last).sort((x, y) => x - y);
  for (const t of times) {
    for (const [row, , diff] of sinkRows.get(t) ?? []) {
      const key = JSON.stringify(row);
      const n = (sinkAt.get(key)?.[1] ?? 0) + diff;
      if (n === 0) sinkAt.delete(key);
      else sinkAt.set(key, [row, n]);
    }
    const h = writer.history.get(t)!;
    const want = keyOf(evaluatePlan(plan, new Map([['a', h.a], ['b', h.b]])));
    const peek = await cluster<PeekResponse>({ type: 'Peek', peekId: randomUUID(), dataflow: 'v1', timestamp: t });
    const indexOk = peek.outcome === 'rows' && keyOf(peek.rows as Array<[Row, number]>) === want;
    const sinkOk = keyOf([...sinkAt.values()]) === want;
    // A time written twice leaves the sink's contents off the view's from that time on.
    if (!sinkOk) timesWrittenTwice++;
    if (!indexOk || !sinkOk) viewMatches = false;
    timesChecked++;
  }
  statusSub.unsubscribe();

  console.log(
    JSON.stringify({
      viewMatchesRecompute: viewMatches,
      timesChecked,
      rows,
      clusterRehydrations: afterRestart.rehydrations,
      clusterIncarnations: incarnations.size,
      rehydrationsAfterControllerRestart: afterRestart.rehydrations - beforeRestart.rehydrations,
      incarnationKeptAcrossControllerRestart: statusAfter.incarnation === again.status.incarnation,
      timesWrittenTwice,
      hydrationMs: first.hydrationMs,
      rehydrationMs,
    }),
  );
}
