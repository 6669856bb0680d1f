/**
 * Scale benchmarks (`npm run bench -- --only scale`, issue #16): what a write and an idle platform
 * cost as idle objects grow. One platform (bench/control.ts's `startControlPlatform`) is grown to
 * each count of idle tables in `DFN_SCALE_COUNTS` (default 1,100,1000,5000); at each count:
 * - single-row INSERTs into one table from one session: median and p99 round trip;
 * - 16 sessions INSERTing concurrently for 5 s: INSERTs/s;
 * - NATS messages per INSERT: nats-server's `in_msgs` (/varz) over 50 INSERTs, divided by 50
 *   (the client's own request counts: one per INSERT);
 * - idle CPU: utime + stime of every platform process (nats-server, env, hosts) over 5 s without
 *   a request, in % of one core.
 * - restart: the storage host (every table and the txns log) killed with SIGKILL, milliseconds
 *   until an INSERT into t0 and a SELECT of it answer again (the orchestrator restarts the host);
 *   the environment process (catalog, coordinator, controllers) killed with SIGKILL and started
 *   again, until an INSERT into t0 and a SELECT of mv0 answer (the catalog of every object is
 *   loaded, the controllers have reconciled with their hosts); the default cluster's host killed
 *   with SIGKILL, until a SELECT of mv0 after an INSERT answers (every view rehydrated enough for
 *   mv0's sink to write again).
 * - views: one idle materialized view per DFN_SCALE_TABLES_PER_VIEW (default 10) idle tables
 *   (`SELECT count(*)` of it), so idle CPU and messages include idle views; and write-to-visible:
 *   an INSERT into t0, then a SELECT of `mv0` (a view of t0) that waits for the view to have it.
 * Each figure is printed beside the same figure at the first count, measured in the same run,
 * with the issue's targets: INSERT median at the top count <= 1.2x, throughput >= 0.8x, idle
 * below 5% of one core.
 */
import { readFileSync } from 'node:fs';
import { orchestratorSubject } from '../protocol/subjects.js';
import type { HostList } from '../protocol/sys/messages.js';
import { signal } from '../runtime/process-util.js';
import { connectClient, startControlPlatform, type Client, type ControlPlatform } from './control.js';
import { figure, median, percentile, type Figure } from './figure.js';

const COUNTS = (process.env['DFN_SCALE_COUNTS'] ?? '1,100,1000,5000').split(',').map(Number).filter((n) => n >= 1);
const CLK_TCK = 100;
const TABLES_PER_VIEW = Number(process.env['DFN_SCALE_TABLES_PER_VIEW'] ?? 10);

interface Level {
  tables: number;
  views: number;
  visibleMedianMs: number;
  insertMedianMs: number;
  insertP99Ms: number;
  insertsPerSec: number;
  messagesPerInsert: number;
  idleCpuPct: number;
  restartMs: number;
  envRestartMs: number;
  clusterRestartMs: number;
}

async function inMsgs(p: ControlPlatform): Promise<number> {
  const varz = (await (await fetch(`${p.monitorUrl}/varz`)).json()) as { in_msgs: number };
  return varz.in_msgs;
}

function cpuTicks(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // gone
    }
  }
  return ticks;
}

/** Runs `ddl(i)` for i in [have, n) from `clients` concurrently (idle tables, idle views). */
async function createEach(clients: Client[], have: number, n: number, ddl: (i: number) => string): Promise<void> {
  let next = have;
  await Promise.all(
    clients.map(async (c) => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        await c.sql(ddl(i));
      }
    }),
  );
}

async function measure(p: ControlPlatform, clients: Client[], tables: number, views: number): Promise<Level> {
  // Clients 8..15 sat idle while the tables were created (minutes at 5,000): past the sessions'
  // idle_timeout (60 s), so every client measures with a new session.
  await Promise.all(clients.map((c) => c.reopen()));
  const a = clients[0]!;
  const visible: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    await a.sql(`INSERT INTO t0 VALUES (${i})`);
    await a.sql('SELECT n FROM mv0');
    if (i >= 10) visible.push(performance.now() - t0);
  }
  const times: number[] = [];
  for (let i = 0; i < 120; i++) {
    const t0 = performance.now();
    await a.sql(`INSERT INTO t0 VALUES (${i})`);
    if (i >= 20) times.push(performance.now() - t0);
  }
  const before = await inMsgs(p);
  for (let i = 0; i < 50; i++) await a.sql(`INSERT INTO t0 VALUES (${i})`);
  const messagesPerInsert = ((await inMsgs(p)) - before) / 50; // /varz is HTTP: not counted
  let count = 0;
  const end = performance.now() + 5000;
  await Promise.all(
    clients.slice(0, 16).map(async (c, k) => {
      while (performance.now() < end) {
        await c.sql(`INSERT INTO t0 VALUES (${k})`);
        count++;
      }
    }),
  );
  const insertsPerSec = count / 5;
  await new Promise((r) => setTimeout(r, 1500));
  const pids = p.pids();
  const c0 = cpuTicks(pids);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 5000));
  const idleCpuPct = ((cpuTicks(pids) - c0) / CLK_TCK / ((performance.now() - t0) / 1000)) * 100;
  const restartMs = await restartToAnswer(clients, 'the storage host', () => killHost(p, 'storage-0'), ['INSERT INTO t0 VALUES (-1)', 'SELECT count(*) FROM t0']);
  const envRestartMs = await restartToAnswer(clients, 'the environment process', () => p.restartEnv(), ['INSERT INTO t0 VALUES (-1)', 'SELECT n FROM mv0'], true);
  const clusterRestartMs = await restartToAnswer(clients, 'the cluster host', () => killHost(p, 'cluster-'), ['INSERT INTO t0 VALUES (-1)', 'SELECT n FROM mv0']);
  return {
    tables,
    views,
    visibleMedianMs: median(visible),
    insertMedianMs: median(times),
    insertP99Ms: percentile(times, 99),
    insertsPerSec,
    messagesPerInsert,
    idleCpuPct,
    restartMs,
    envRestartMs,
    clusterRestartMs,
  };
}

/** SIGKILL of the first host whose id starts with `prefix` (the orchestrator starts it again). */
async function killHost(p: ControlPlatform, prefix: string): Promise<void> {
  const hosts = (await p.transport.request<HostList>(orchestratorSubject(p.region), { type: 'ListHosts' }, { timeoutMs: 5000 })).hosts;
  const host = hosts.find((h) => h.hostId.startsWith(prefix));
  if (!host) throw new Error(`no host ${prefix}* to kill`);
  signal(host.pid, 'SIGKILL');
}

/**
 * Milliseconds from `kill` until `statements` answer in order. Sessions live in the environment
 * process: with `sessionsLost`, every client first opens a new one.
 */
async function restartToAnswer(clients: Client[], what: string, kill: () => Promise<void>, statements: string[], sessionsLost = false): Promise<number> {
  const t0 = performance.now();
  await kill();
  // Every client needs a new session (openSession retries until the new process answers).
  if (sessionsLost) await Promise.all(clients.map((c) => c.reopen()));
  for (;;) {
    try {
      for (const sql of statements) await clients[0]!.sql(sql);
      break;
    } catch (err) {
      if (performance.now() - t0 > 300_000) throw new Error(`the platform did not answer within 300 s of the SIGKILL of ${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return performance.now() - t0;
}

export async function benchScale(): Promise<Figure[]> {
  const p = await startControlPlatform();
  const clients: Client[] = [];
  try {
    for (let i = 0; i < 16; i++) clients.push(await connectClient(p.url, `bench-scale-${i}`));
    await clients[0]!.sql('CREATE TABLE t0 (a int)');
    await clients[0]!.sql('CREATE MATERIALIZED VIEW mv0 AS SELECT count(*) AS n FROM t0');
    const levels: Level[] = [];
    let have = 0;
    let haveViews = 0;
    for (const n of COUNTS) {
      const t0 = performance.now();
      await createEach(clients.slice(0, 8), have, n - 1, (i) => `CREATE TABLE idle_${i} (a int)`);
      const createSec = (performance.now() - t0) / 1000;
      have = Math.max(have, n - 1);
      const v0 = performance.now();
      const views = Math.floor(n / TABLES_PER_VIEW);
      await createEach(clients.slice(0, 8), haveViews, views, (i) => `CREATE MATERIALIZED VIEW idle_mv_${i} AS SELECT count(*) AS n FROM idle_${i}`);
      const viewSec = (performance.now() - v0) / 1000;
      haveViews = Math.max(haveViews, views);
      const level = await measure(p, clients, n, haveViews);
      console.log(`  ${n} tables, ${haveViews} views (created the new tables in ${createSec.toFixed(1)} s, views in ${viewSec.toFixed(1)} s): ${JSON.stringify(level)}`);
      levels.push(level);
    }
    const base = levels[0]!;
    const baseName = (what: string) => `${what} with ${base.tables} table${base.tables === 1 ? '' : 's'}, ${base.views} views`;
    const out: Figure[] = [];
    for (const l of levels.slice(1)) {
      const top = l === levels[levels.length - 1] && l.tables >= 5000;
      out.push(
        figure(`INSERT median with ${l.tables} tables`, l.insertMedianMs, 'ms', { name: baseName('INSERT median'), value: base.insertMedianMs }, top ? { text: 'ratio <= 1.2', check: (_v, r) => (r ?? Infinity) <= 1.2 } : undefined),
        figure(`INSERT p99 with ${l.tables} tables`, l.insertP99Ms, 'ms', { name: baseName('INSERT p99'), value: base.insertP99Ms }),
        figure(`16-session INSERTs/s with ${l.tables} tables`, l.insertsPerSec, 'INSERTs/s', { name: baseName('16-session INSERTs/s'), value: base.insertsPerSec }, top ? { text: 'ratio >= 0.8', check: (_v, r) => (r ?? 0) >= 0.8 } : undefined),
        figure(`NATS messages per INSERT with ${l.tables} tables`, l.messagesPerInsert, 'messages', { name: baseName('messages per INSERT'), value: base.messagesPerInsert }),
        figure(`storage host SIGKILL to INSERT + SELECT answered, with ${l.tables} tables`, l.restartMs, 'ms', { name: baseName('restart'), value: base.restartMs }),
        figure(`environment process SIGKILL + start to INSERT + SELECT of a view answered, with ${l.tables} tables, ${l.views} views`, l.envRestartMs, 'ms', { name: baseName('environment restart'), value: base.envRestartMs }, top ? { text: '< 60 s (not minutes)', check: (v) => v < 60_000 } : undefined),
        figure(`cluster host SIGKILL to a view's INSERT + SELECT answered, with ${l.views} views to rehydrate`, l.clusterRestartMs, 'ms', { name: baseName('cluster restart'), value: base.clusterRestartMs }, top ? { text: '< 60 s (not minutes)', check: (v) => v < 60_000 } : undefined),
        figure(`write-to-visible through a view with ${l.tables} tables, ${l.views} idle views`, l.visibleMedianMs, 'ms', { name: baseName('write-to-visible'), value: base.visibleMedianMs }),
        figure(`idle CPU, all processes, with ${l.tables} tables, ${l.views} idle views`, l.idleCpuPct, '% of a core', { name: baseName('idle CPU'), value: base.idleCpuPct }, top ? { text: '< 5% of a core', check: (v) => v < 5 } : undefined),
      );
    }
    return out;
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    await p.stop();
  }
}
