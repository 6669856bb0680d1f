/**
 * CONTROL benchmarks (`npm run bench -- --only control`), on a real platform the bench starts
 * itself (a nats-server with nats.conf on free ports, `definite env` in a temp data dir, which
 * starts the storage host and the default cluster's process as detached processes). Clients
 * connect as the `client` user of nats.conf and speak the CONTROL API (plain NATS request/reply,
 * protocol/control/README.md). Each figure is printed beside a baseline from the same run:
 * - fast-path SELECT: `Execute {sql: 'SELECT id, name FROM t'}` on a table with an index (answered
 *   by a peek of the index on the cluster process), median and p99 round trip, interleaved with a
 *   raw NATS request/reply (a plain subscriber that decodes msgpack and replies with msgpack, as
 *   bench/runtime.ts) on the same server. Target: median <= 3x raw.
 * - write-to-visible: session A inserts a row into `w`; from A's acknowledgement, session B
 *   (another client connection) polls `SELECT ... FROM mv` (a materialized view over `w`) until
 *   the row is there. Median and p99 over 200 writes; targets <= 10 ms and <= 50 ms. Then the same
 *   through `mvi`, the same view with an index (B's read is then an index peek, not a transient
 *   dataflow). Baseline: raw NATS request/reply, one interleaved per write.
 * - 10,000 idle sessions: heap + external of the environment process (where sessions live) after
 *   GC, before and after opening them, per session. Target <= 20 KiB. The environment process is
 *   started with `NODE_OPTIONS=--expose-gc --import <probe>`: on SIGUSR2 the probe (active only
 *   in the `definite env` process; written below) runs gc() three times and writes
 *   process.memoryUsage() to a file the bench reads. The host heartbeat's heapUsed (not after a
 *   forced GC) is reported beside it as a cross-check.
 * Every process the bench started (nats-server, definite env, its host and spare processes, found
 * by the unique DFN_DATA_DIR in their environment) is killed on the way out, on failure too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode } from '../protocol/codec.js';
import { connectSubject } from '../protocol/control/subjects.js';
import type { Results, SessionOpened, StatementResult } from '../protocol/control/response.js';
import { heartbeatSubject, treeSubject } from '../protocol/inspect/subjects.js';
import { actorsIn } from '../protocol/inspect/tree.js';
import type { Heartbeat, Tree } from '../protocol/inspect/messages.js';
import { orchestratorSubject } from '../protocol/subjects.js';
import type { HostList } from '../protocol/sys/messages.js';
import { freePort, PROJECT_ROOT, startNatsServer, type RunningNatsServer } from '../runtime/nats-server.js';
import { isAlive, signal } from '../runtime/process-util.js';
import { Transport } from '../runtime/transport.js';
import { figure, median, percentile, type Figure } from './figure.js';

const REGION = 'bctl';
const PLATFORM = { user: 'platform', pass: 'platform-secret' };
const CLIENT = { user: 'client', pass: 'client-secret' };

/** Loaded into every process started with the bench's NODE_OPTIONS; acts only in `definite env`. */
const PROBE = `
import { renameSync, writeFileSync } from 'node:fs';
const out = process.env.DFN_BENCH_PROBE_OUT;
if (out && process.argv[2] === 'env' && typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    globalThis.gc();
    globalThis.gc();
    setTimeout(() => {
      globalThis.gc();
      const m = process.memoryUsage();
      writeFileSync(out + '.tmp', JSON.stringify({ pid: process.pid, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }));
      renameSync(out + '.tmp', out);
    }, 100);
  });
}
`;

export interface MemoryReading {
  pid: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, boundMs = 120_000, everyMs = 20): Promise<T> {
  const end = Date.now() + boundMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`${what} never happened${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Pids of live processes whose environment carries `DFN_DATA_DIR=<dataDir>` (ours: the dir is a fresh temp dir). */
function processesOf(dataDir: string): number[] {
  const needle = `DFN_DATA_DIR=${dataDir}`;
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(needle)) pids.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

export interface ControlPlatform {
  region: string;
  url: string;
  /** As the platform user (heartbeats, orchestrator). */
  transport: Transport;
  envPid(): number;
  /** Every process of the platform: nats-server, definite env and the hosts it started. */
  pids(): number[];
  /** nats-server's monitoring endpoint (/varz). */
  monitorUrl: string;
  /** Heap and external of the environment process after GC (the probe). */
  envMemory(): Promise<MemoryReading>;
  /** The last lines of the env process's log (for failure messages; the dir goes with stop()). */
  logTail(): string;
  /** The platform's data dir (the Postgres front end writes its port to `pgwire.port` there). */
  dataDir: string;
  /** SIGKILLs the environment process and starts a new one on the same data dir (its hosts live on). */
  restartEnv(): Promise<void>;
  stop(): Promise<void>;
}

export async function startControlPlatform(): Promise<ControlPlatform> {
  const dir = mkdtempSync(join(tmpdir(), `dfn-${REGION}-`));
  const dataDir = join(dir, 'data');
  const probeFile = join(dir, 'probe.mjs');
  const probeOut = join(dir, 'probe-out.json');
  writeFileSync(probeFile, PROBE);
  let server: RunningNatsServer | undefined;
  let transport: Transport | undefined;
  let env: ChildProcess | undefined;
  let stopped = false;
  const running = (c: ChildProcess | undefined) => c !== undefined && c.exitCode === null && c.signalCode === null;
  /**
   * Synchronous last resort (process exit, signals): SIGKILL every process we started. The env
   * process, its detached hosts and spare hosts all carry our unique DFN_DATA_DIR in their
   * environment; pids are never taken from elsewhere, so a reused pid is never hit.
   */
  const killAll = () => {
    if (running(env)) env!.kill('SIGKILL');
    for (const pid of processesOf(dataDir)) signal(pid, 'SIGKILL');
    if (running(server?.process)) server!.process.kill('SIGKILL');
  };
  const onExit = () => killAll();
  const onSignal = (sig: NodeJS.Signals) => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const hosts = async () => {
    return (await transport!.request<HostList>(orchestratorSubject(REGION), { type: 'ListHosts' }, { timeoutMs: 5000 })).hosts;
  };
  const logTail = (lines = 30) => {
    try {
      return readFileSync(join(dir, 'env.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      if (transport && running(env)) {
        await transport.request(orchestratorSubject(REGION), { type: 'Shutdown' }, { timeoutMs: 30_000 }).catch(() => undefined);
      }
    } finally {
      // Whatever did not stop cleanly (or was never listed: spare hosts) is killed.
      const deadline = Date.now() + 5000;
      while (running(env) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      killAll();
      const gone = Date.now() + 10_000;
      while ((running(env) || processesOf(dataDir).some((pid) => isAlive(pid))) && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
      const left = processesOf(dataDir).filter((pid) => isAlive(pid));
      if (left.length > 0) console.error(`bench/control: processes still alive after SIGKILL: ${left.join(', ')}`);
      await transport?.close().catch(() => undefined);
      await server?.stop().catch(() => undefined);
      process.removeListener('exit', onExit);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const port = await freePort();
    const httpPort = await freePort();
    server = await startNatsServer({ port, httpPort, wsPort: await freePort(), storeDir: join(dir, 'jetstream') });
    const url = `nats://127.0.0.1:${port}`;
    transport = await Transport.connect({ servers: url, name: `bench:${REGION}`, ...PLATFORM, timeoutMs: 10_000 });
    const nodeOptions = [process.env['NODE_OPTIONS'] ?? '', '--expose-gc', `--import=${probeFile}`].join(' ').trim();
    const spawnEnv = () => {
      const log = openSync(join(dir, 'env.log'), 'a');
      // DFN_ENV_NODE_ARGS: node flags for the environment process (e.g. `--cpu-prof --cpu-prof-dir=DIR`), as `definite up` takes them.
      const nodeArgs = (process.env['DFN_ENV_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
      env = spawn(process.execPath, [...nodeArgs, join(PROJECT_ROOT, 'bin', 'definite.js'), 'env'], {
        env: {
          ...process.env,
          DFN_PGWIRE_PORT: process.env['DFN_PGWIRE_PORT'] ?? '0',
          NODE_OPTIONS: nodeOptions,
          DFN_BENCH_PROBE_OUT: probeOut,
          DFN_REGION: REGION,
          DFN_DATA_DIR: dataDir,
          DFN_NATS_URL: url,
          DFN_NATS_USER: PLATFORM.user,
          DFN_NATS_PASS: PLATFORM.pass,
          DFN_DEMO_CATALOG: '0',
        },
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      return env;
    };
    let envProcess = spawnEnv();
    // The platform is up once the storage host and the default cluster's process run.
    const up = await until(async () => {
      if (!running(envProcess)) return 'exited';
      const hs = await hosts();
      return hs.some((h) => h.hostId === 'storage-0' && h.state === 'running') && hs.some((h) => h.hostId.startsWith('cluster-') && h.state === 'running') && 'up';
    }, 'the platform hosts running', 120_000, 100);
    if (up === 'exited') throw new Error(`definite env exited during start:\n${logTail()}`);
    return {
      region: REGION,
      url,
      transport,
      envPid: () => envProcess.pid ?? 0,
      pids: () => [...(server?.process.pid ? [server.process.pid] : []), ...processesOf(dataDir)],
      monitorUrl: `http://127.0.0.1:${httpPort}`,
      async envMemory() {
        rmSync(probeOut, { force: true });
        signal(envProcess.pid!, 'SIGUSR2');
        const text = await until(() => (existsSync(probeOut) ? readFileSync(probeOut, 'utf8') : undefined), 'env memory reading', 30_000, 20);
        return JSON.parse(text) as MemoryReading;
      },
      logTail: () => logTail(),
      dataDir,
      async restartEnv() {
        const old = envProcess;
        old.kill('SIGKILL');
        while (running(old)) await new Promise((r) => setTimeout(r, 10));
        envProcess = spawnEnv();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A CONTROL client: its own NATS connection as the `client` user, and one session. */
export interface Client {
  transport: Transport;
  readonly subject: string;
  sql(text: string): Promise<StatementResult[]>;
  /** Opens a new session (after the environment process, where sessions live, restarted). */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

async function openSession(t: Transport, settings: Record<string, string> = {}): Promise<SessionOpened> {
  return until(() => t.request<SessionOpened>(connectSubject(REGION), { type: 'OpenSession', settings, client: 'bench' }, { timeoutMs: 60_000 }), 'a session opened', 120_000, 100);
}

export async function connectClient(url: string, name: string): Promise<Client> {
  const transport = await Transport.connect({ servers: url, name, ...CLIENT, timeoutMs: 60_000 });
  let session = await openSession(transport);
  return {
    transport,
    get subject() {
      return session.subject;
    },
    async sql(text) {
      return (await transport.request<Results>(session.subject, { type: 'Execute', sql: text }, { timeoutMs: 60_000 })).results;
    },
    async reopen() {
      session = await openSession(transport);
    },
    async close() {
      await transport.request(session.subject, { type: 'CloseSession' }).catch(() => undefined);
      await transport.close();
    },
  };
}

/**
 * The raw baseline: a plain subscriber (platform user, its own connection) on a subject the
 * client user may publish to, decoding the msgpack body and replying with msgpack. In this
 * process (`ownProcess` false: the client's event loop is the responder's, no other process is
 * woken) or in a process of its own (bench/raw-responder.ts), as the SELECT's session and
 * cluster are.
 */
export async function rawEcho(url: string, ownProcess = false): Promise<{ subject: string; close(): Promise<void> }> {
  if (ownProcess) {
    const subject = `dfn.${REGION}.control.bench-raw-process`;
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'raw-responder.ts'), url, subject], { stdio: 'inherit' });
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    const probe = await Transport.connect({ servers: url, name: 'bench:raw-probe', ...PLATFORM });
    try {
      await until(() => probe.nc.request(subject, encode({ type: 'Echo', payload: 0 }), { timeout: 500 }).then(() => true, () => false), 'the raw responder process answering', 60_000, 100);
    } finally {
      await probe.close();
    }
    return {
      subject,
      close: async () => {
        kill();
        process.removeListener('exit', kill);
      },
    };
  }
  const t = await Transport.connect({ servers: url, name: 'bench:raw', ...PLATFORM });
  const subject = `dfn.${REGION}.control.bench-raw`;
  t.nc.subscribe(subject, { callback: (_e, m) => void m.respond(encode({ type: 'Echoed', payload: (decode(m.data) as { payload: unknown }).payload })) });
  await t.nc.flush();
  return { subject, close: () => t.close() };
}

const micros = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1000;

/** Messages received so far by the actors of `kind` (inspect tree counters). */
async function messagesIn(p: ControlPlatform, kind: string): Promise<number> {
  const tree = await p.transport.request<Tree>(treeSubject(p.region), { type: 'GetTree' }, { timeoutMs: 10_000 });
  return actorsIn(tree.root).reduce((n, a) => n + (a.kind === kind ? (a.counters?.messagesIn ?? 0) : 0), 0);
}

async function benchFastSelect(p: ControlPlatform, a: Client, raw: { subject: string }, rawProcess: { subject: string }): Promise<Figure[]> {
  const rows = 10;
  await a.sql('CREATE TABLE t (id int NOT NULL, name text)');
  await a.sql(`INSERT INTO t VALUES ${Array.from({ length: rows }, (_, i) => `(${i}, 'name-${i}')`).join(', ')}`);
  await a.sql('CREATE INDEX t_idx ON t (id)');
  const select = { type: 'Execute', sql: 'SELECT id, name FROM t' };
  const rawBody = encode({ type: 'Echo', payload: { id: 42, name: 'hello' } });
  const check = (r: Results) => {
    const n = r.results[0]?.rows?.length;
    if (n !== rows) throw new Error(`SELECT returned ${n} rows, want ${rows}`);
  };
  // Warm up (the index hydrates on the cluster, code paths get compiled) before measuring.
  for (let i = 0; i < 300; i++) {
    check(await a.transport.request<Results>(a.subject, select));
    await a.transport.nc.request(raw.subject, rawBody);
    await a.transport.nc.request(rawProcess.subject, rawBody);
  }
  const rounds = 5;
  const n = 600;
  const peeksBefore = await messagesIn(p, 'cluster');
  const controllerBefore = await messagesIn(p, 'compute-controller');
  const selectTimes: number[] = [];
  const rawTimes: number[] = [];
  const rawProcessTimes: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) {
      let t0 = process.hrtime.bigint();
      await a.transport.nc.request(rawProcess.subject, rawBody).then((m) => decode(m.data));
      rawProcessTimes.push(micros(t0));
      t0 = process.hrtime.bigint();
      await a.transport.nc.request(raw.subject, rawBody).then((m) => decode(m.data));
      rawTimes.push(micros(t0));
      t0 = process.hrtime.bigint();
      const res = await a.transport.request<Results>(a.subject, select);
      selectTimes.push(micros(t0));
      check(res);
    }
  }
  // The SELECTs really took the fast path: each was a message to the cluster (a peek), and none
  // installed a transient dataflow (InstallDataflow and DropDataflow to the compute controller).
  const peeks = (await messagesIn(p, 'cluster')) - peeksBefore;
  const installs = (await messagesIn(p, 'compute-controller')) - controllerBefore;
  if (peeks < rounds * n || installs >= rounds * n) {
    throw new Error(`${rounds * n} SELECTs: ${peeks} messages to the cluster, ${installs} to the compute controller: not the index fast path`);
  }
  const atMost3 = { text: 'ratio <= 3', check: (_v: number, ratio: number | undefined) => (ratio ?? Infinity) <= 3 };
  return [
    figure(`fast-path SELECT over NATS (index peek, ${rows} rows), median round trip`, median(selectTimes), 'µs', { name: 'raw NATS request/reply to a responder in its own process', value: median(rawProcessTimes) }, atMost3),
    figure(`fast-path SELECT over NATS (index peek, ${rows} rows), median round trip`, median(selectTimes), 'µs', { name: "raw NATS request/reply to a responder in the client's process", value: median(rawTimes) }, atMost3),
    figure(`fast-path SELECT over NATS (index peek, ${rows} rows), p99 round trip`, percentile(selectTimes, 99), 'µs', { name: 'raw NATS request/reply p99 (responder in its own process)', value: percentile(rawProcessTimes, 99) }),
  ];
}

/**
 * Write-to-visible through a materialized view over `w`: from A's acknowledgement of an INSERT
 * until B's `SELECT id FROM <view> WHERE id = i` returns the row (B polls until it does).
 */
async function writeToVisible(a: Client, b: Client, raw: { subject: string }, view: string, from: number, writes: number, warmup: number) {
  const rawBody = encode({ type: 'Echo', payload: { id: 42, name: 'hello' } });
  const visibleMs: number[] = [];
  const insertMs: number[] = [];
  const rawMs: number[] = [];
  const polls: number[] = [];
  for (let j = 0; j < warmup + writes; j++) {
    const i = from + j;
    const t0 = process.hrtime.bigint();
    await b.transport.nc.request(raw.subject, rawBody).then((m) => decode(m.data));
    const tRaw = micros(t0) / 1000;
    const w0 = process.hrtime.bigint();
    await a.sql(`INSERT INTO w VALUES (${i}, ${i})`);
    const acked = process.hrtime.bigint();
    const tInsert = micros(w0) / 1000;
    let n = 0;
    for (;;) {
      n++;
      const [res] = await b.sql(`SELECT id FROM ${view} WHERE id = ${i}`);
      if ((res?.rows?.length ?? 0) > 0) break;
      if (micros(acked) > 60_000_000) throw new Error(`row ${i} not visible in ${view} after 60 s`);
    }
    const tVisible = micros(acked) / 1000;
    if (j < warmup) continue;
    rawMs.push(tRaw);
    insertMs.push(tInsert);
    visibleMs.push(tVisible);
    polls.push(n);
  }
  return { visibleMs, insertMs, rawMs, polls };
}

async function benchWriteToVisible(a: Client, b: Client, raw: { subject: string }): Promise<Figure[]> {
  const writes = 200;
  const warmup = 20;
  await a.sql('CREATE TABLE w (id int NOT NULL, v int)');
  // `mv` is read as it is (a SELECT without an index: a transient dataflow over its collection);
  // `mvi` is the same view with an index (a SELECT on it is an index peek).
  await a.sql('CREATE MATERIALIZED VIEW mv AS SELECT id, v FROM w WHERE v >= 0');
  await a.sql('CREATE MATERIALIZED VIEW mvi AS SELECT id, v FROM w WHERE v >= 0');
  await a.sql('CREATE INDEX mvi_idx ON mvi (id)');
  const plain = await writeToVisible(a, b, raw, 'mv', 0, writes, warmup);
  const indexed = await writeToVisible(a, b, raw, 'mvi', 1_000_000, writes, warmup);
  const figures: Figure[] = [];
  for (const [label, r] of [['a materialized view', plain], ['an indexed materialized view', indexed]] as const) {
    const rawMedian = median(r.rawMs);
    const polls = `${median(r.polls)} SELECT per write median, ${Math.max(...r.polls)} max`;
    figures.push(
      figure(`write-to-visible: INSERT acknowledged in session A to the row read from ${label} in session B, median of ${writes} (${polls})`, median(r.visibleMs), 'ms', { name: 'raw NATS request/reply', value: rawMedian }, {
        text: '<= 10 ms',
        check: (v) => v <= 10,
      }),
      figure(`write-to-visible (${label.replace(/^an? /, '')}), p99 of ${writes}`, percentile(r.visibleMs, 99), 'ms', { name: 'raw NATS request/reply (median)', value: rawMedian }, {
        text: '<= 50 ms',
        check: (v) => v <= 50,
      }),
    );
  }
  const insertMs = [...plain.insertMs, ...indexed.insertMs];
  const rawMs = [...plain.rawMs, ...indexed.rawMs];
  figures.push(figure(`INSERT of one row (group commit, durable in STORAGE), median round trip of ${insertMs.length}`, median(insertMs), 'ms', { name: 'raw NATS request/reply', value: median(rawMs) }));
  return figures;
}

/** The next heartbeat of the environment host satisfying `ok`. */
function nextEnvHeartbeat(p: ControlPlatform, ok: (hb: Heartbeat) => boolean, boundMs = 120_000): Promise<Heartbeat> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error('no matching heartbeat of the env host'));
    }, boundMs);
    const sub = p.transport.nc.subscribe(heartbeatSubject(p.region, 'env'), {
      callback: (_e, m) => {
        const hb = decode(m.data) as Heartbeat;
        if (!ok(hb)) return;
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(hb);
      },
    });
  });
}

async function benchIdleSessions(p: ControlPlatform, count = 10_000): Promise<Figure[]> {
  const t = await Transport.connect({ servers: p.url, name: 'bench:idle-client', ...CLIENT, timeoutMs: 120_000 });
  try {
    // Warm up: open and close a few sessions so code paths are compiled before measuring.
    for (let i = 0; i < 50; i++) {
      const s = await openSession(t, { idle_timeout: '3600' });
      await t.request(s.subject, { type: 'CloseSession' });
    }
    await new Promise((r) => setTimeout(r, 500));
    const hbBefore = await nextEnvHeartbeat(p, () => true);
    const before = await p.envMemory();
    const subjects: string[] = [];
    const t0 = performance.now();
    const chunk = 500;
    for (let i = 0; i < count; i += chunk) {
      // No retries here (openSession's): exactly `count` sessions are opened, or the bench fails.
      const opened = await Promise.all(
        Array.from({ length: Math.min(chunk, count - i) }, () => t.request<SessionOpened>(connectSubject(REGION), { type: 'OpenSession', settings: { idle_timeout: '3600' }, client: 'bench' })),
      );
      for (const s of opened) subjects.push(s.subject);
    }
    const elapsed = performance.now() - t0;
    // Every session answers (a KeepAlive to a sample; all of them would only add garbage).
    for (let i = 0; i < subjects.length; i += 97) await t.request(subjects[i]!, { type: 'KeepAlive' });
    const hbAfter = await nextEnvHeartbeat(p, (hb) => hb.running >= hbBefore.running + count);
    await new Promise((r) => setTimeout(r, 500));
    const after = await p.envMemory();
    const hbLater = await nextEnvHeartbeat(p, (hb) => hb.at > hbAfter.at);
    const perSession = (after.heapUsed + after.external - before.heapUsed - before.external) / count / 1024;
    const heapPerSession = (after.heapUsed - before.heapUsed) / count / 1024;
    const hbPerSession = (hbLater.memory.heapUsed - hbBefore.memory.heapUsed) / count / 1024;
    const rssPerSession = (after.rss - before.rss) / count / 1024;
    if (before.pid !== p.envPid() || after.pid !== p.envPid()) throw new Error('the memory readings are not from the env process');
    return [
      figure(`${count.toLocaleString('en-US')} idle sessions in the environment process: heap + external per session, after GC (${(hbLater.running - hbBefore.running).toLocaleString('en-US')} more actors running)`, perSession, 'KiB', { name: 'target', value: 20 }, {
        text: '<= 20 KiB',
        check: (v) => v <= 20,
      }),
      figure(`${count.toLocaleString('en-US')} idle sessions: heap per session, after GC`, heapPerSession, 'KiB', { name: 'heartbeat heapUsed per session (no forced GC)', value: hbPerSession }),
      figure(`${count.toLocaleString('en-US')} idle sessions: RSS per session`, rssPerSession, 'KiB'),
      figure(`${count.toLocaleString('en-US')} idle sessions: open time per session (${chunk} requests in flight)`, (elapsed * 1000) / count, 'µs'),
    ];
  } finally {
    await t.close();
  }
}

/**
 * A point query on an index's key column (`WHERE id = k`, answered by a key lookup on the
 * cluster: key-lookup.ts) against the same query on a column the index is not keyed by (`WHERE
 * other = k`: the peek reads every row of the index), over an index of `rows` rows, alternating,
 * medians.
 */
async function benchPointLookup(a: Client, rows: number): Promise<Figure> {
  await a.sql('CREATE TABLE pts (id int NOT NULL, other int NOT NULL, pad text)');
  for (let i = 0; i < rows; i += 5000) {
    await a.sql(`INSERT INTO pts VALUES ${Array.from({ length: Math.min(5000, rows - i) }, (_, j) => `(${i + j}, ${i + j}, 'pad-${i + j}')`).join(', ')}`);
  }
  await a.sql('CREATE INDEX pts_idx ON pts (id)');
  const query = (col: string, k: number) => ({ type: 'Execute', sql: `SELECT pad FROM pts WHERE ${col} = ${k}` });
  const ask = async (col: string, k: number) => {
    const r = await a.transport.request<Results>(a.subject, query(col, k), { timeoutMs: 60_000 });
    if (r.results[0]?.rows?.[0]?.[0] !== `pad-${k}`) throw new Error(`${col} = ${k}: got ${JSON.stringify(r.results[0]?.rows)}`);
  };
  for (let i = 0; i < 20; i++) {
    await ask('id', i);
    await ask('other', i);
  }
  const lookup: number[] = [];
  const scan: number[] = [];
  for (let i = 0; i < 60; i++) {
    const k = (i * 7919) % rows;
    let t0 = process.hrtime.bigint();
    await ask('id', k);
    lookup.push(micros(t0));
    t0 = process.hrtime.bigint();
    await ask('other', k);
    scan.push(micros(t0));
  }
  await a.sql('DROP TABLE pts CASCADE');
  const n = rows.toLocaleString('en-US');
  return figure(`point SELECT on an index's key column, ${n} rows (key lookup on the cluster), median of 60`, median(lookup), 'µs', { name: `the same SELECT on a column the index is not keyed by (every row read), median`, value: median(scan) });
}

export async function benchControl(): Promise<Figure[]> {
  const p = await startControlPlatform();
  try {
    const raw = await rawEcho(p.url);
    const rawProcess = await rawEcho(p.url, true);
    const a = await connectClient(p.url, 'bench:client-a');
    const b = await connectClient(p.url, 'bench:client-b');
    const figures: Figure[] = [];
    figures.push(...(await benchFastSelect(p, a, raw, rawProcess)));
    await rawProcess.close();
    figures.push(...(await benchWriteToVisible(a, b, raw)));
    figures.push(await benchPointLookup(a, 200_000));
    await a.close();
    await b.close();
    await raw.close();
    figures.push(...(await benchIdleSessions(p)));
    return figures;
  } catch (err) {
    console.error(`bench/control failed; the env process's log ends with:\n${p.logTail()}`);
    throw err;
  } finally {
    await p.stop();
  }
}
