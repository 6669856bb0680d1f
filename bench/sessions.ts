/**
 * Sessions benchmark (`npm run bench -- --only sessions`, issue #16 "sessions beyond one
 * process"): N concurrent pgwire sessions (node-postgres clients in this process), each running a
 * point SELECT (prepared, by key, from an indexed materialized view) once a second, staggered
 * over the second, for DFN_SESSIONS_SECONDS (default 15) at each N of DFN_SESSIONS_COUNTS
 * (default 1000,2000). Measured: SELECTs/s achieved, p50 and p99 latency (send to reply), and
 * the CPU of the environment process and of the front-end processes (utime + stime from /proc,
 * in % of one core). Two platforms in the same run: sessions in the environment process
 * (DFN_FRONTENDS unset, the baseline) and in DFN_SESSIONS_FRONTENDS (default 2) front-end
 * processes. The clients share the machine's cores with the platform: on a 2-core machine the
 * figures are bound by the whole box, not by one process.
 */
import pg from 'pg';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient, startControlPlatform, type ControlPlatform } from './control.js';
import { figure, median, percentile, type Figure } from './figure.js';

const COUNTS = (process.env['DFN_SESSIONS_COUNTS'] ?? '1000,2000').split(',').map(Number).filter((n) => n >= 1);
const SECONDS = Number(process.env['DFN_SESSIONS_SECONDS'] ?? 15);
const FRONTENDS = Number(process.env['DFN_SESSIONS_FRONTENDS'] ?? 2);
const ROWS = 1000;
const CLK_TCK = 100;

interface Level {
  sessions: number;
  selectsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  envCpuPct: number;
  frontendCpuPct: number;
  /** Every platform process (nats-server, env, hosts, front ends) and this bench process (the clients). */
  platformCpuPct: number;
  clientCpuPct: number;
  errors: number;
}

function cpuTicks(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks;
}

async function pgwirePort(p: ControlPlatform): Promise<number> {
  for (let i = 0; i < 600; i++) {
    try {
      const port = Number(readFileSync(join(p.dataDir, 'pgwire.port'), 'utf8').trim());
      if (port > 0) return port;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the platform did not write pgwire.port');
}

/** Pids of the platform's front-end processes (from the orchestrator). */
async function frontendPids(p: ControlPlatform): Promise<number[]> {
  const { orchestratorSubject } = await import('../protocol/subjects.js');
  const r = await p.transport.request<{ type: string; hosts: Array<{ hostId: string; pid: number; state: string }> }>(orchestratorSubject(p.region), { type: 'ListHosts' });
  return r.hosts.filter((h) => h.hostId.startsWith('frontend-') && h.state === 'running').map((h) => h.pid);
}

async function connectMany(port: number, n: number, into: pg.Client[]): Promise<void> {
  const batch = 50;
  for (let i = into.length; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, async () => {
        const c = new pg.Client({ host: '127.0.0.1', port, user: 'materialize', database: 'materialize' });
        c.on('error', () => undefined);
        await c.connect();
        into.push(c);
      }),
    );
  }
}

/** Every client runs a point SELECT once a second (staggered) for SECONDS; latencies and counts. */
async function load(clients: pg.Client[], p: ControlPlatform, frontends: number[]): Promise<Level> {
  const latencies: number[] = [];
  let errors = 0;
  let done = 0;
  let stop = false;
  const query = { name: 'point', text: 'SELECT v FROM kv_mv WHERE k = $1' };
  const warmupMs = 2000;
  const t0 = performance.now();
  let measureStart = 0;
  let c0 = { env: 0, fe: 0, all: 0, self: 0 };
  const measuring = new Promise<void>((resolve) =>
    setTimeout(() => {
      measureStart = performance.now();
      c0 = { env: cpuTicks([p.envPid()]), fe: cpuTicks(frontends), all: cpuTicks(p.pids()), self: cpuTicks([process.pid]) };
      resolve();
    }, warmupMs),
  );
  const runs = clients.map(async (c, i) => {
    // Staggered over the first second, then one a second (a late reply delays the next: closed loop per session).
    await new Promise((r) => setTimeout(r, (i / clients.length) * 1000));
    let next = performance.now();
    while (!stop) {
      const start = performance.now();
      try {
        await c.query({ ...query, values: [(i * 7919 + Math.floor(start)) % ROWS] });
        if (measureStart > 0 && start >= measureStart) {
          latencies.push(performance.now() - start);
          done++;
        }
      } catch {
        errors++;
      }
      next += 1000;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else next = performance.now();
    }
  });
  await measuring;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const elapsed = (performance.now() - measureStart) / 1000;
  const c1 = { env: cpuTicks([p.envPid()]), fe: cpuTicks(frontends), all: cpuTicks(p.pids()), self: cpuTicks([process.pid]) };
  stop = true;
  await Promise.all(runs);
  void t0;
  return {
    sessions: clients.length,
    selectsPerSec: done / elapsed,
    p50Ms: median(latencies),
    p99Ms: percentile(latencies, 99),
    envCpuPct: ((c1.env - c0.env) / CLK_TCK / elapsed) * 100,
    frontendCpuPct: ((c1.fe - c0.fe) / CLK_TCK / elapsed) * 100,
    platformCpuPct: ((c1.all - c0.all) / CLK_TCK / elapsed) * 100,
    clientCpuPct: ((c1.self - c0.self) / CLK_TCK / elapsed) * 100,
    errors,
  };
}

async function measure(frontends: number): Promise<Level[]> {
  if (frontends > 0) process.env['DFN_FRONTENDS'] = String(frontends);
  else delete process.env['DFN_FRONTENDS'];
  const p = await startControlPlatform();
  const clients: pg.Client[] = [];
  try {
    const port = await pgwirePort(p);
    const setup = await connectClient(p.url, 'bench-sessions');
    const values = Array.from({ length: ROWS }, (_, k) => `(${k}, 'value ${k}')`).join(', ');
    await setup.sql(`CREATE TABLE kv (k int, v text); INSERT INTO kv VALUES ${values}`);
    await setup.sql('CREATE MATERIALIZED VIEW kv_mv AS SELECT k, v FROM kv; CREATE INDEX kv_mv_k ON kv_mv (k)');
    await setup.close();
    const fePids = await frontendPids(p);
    if (fePids.length !== frontends) throw new Error(`expected ${frontends} front-end processes, found ${fePids.length}`);
    const levels: Level[] = [];
    for (const n of COUNTS) {
      await connectMany(port, n, clients);
      const level = await load(clients, p, fePids);
      console.log(`  ${frontends === 0 ? 'in-process' : `${frontends} front-end processes`}: ${JSON.stringify(level)}`);
      levels.push(level);
    }
    return levels;
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await p.stop();
    delete process.env['DFN_FRONTENDS'];
  }
}

export async function benchSessions(): Promise<Figure[]> {
  const base = await measure(0);
  const ours = await measure(FRONTENDS);
  const figures: Figure[] = [];
  COUNTS.forEach((n, i) => {
    const b = base[i]!;
    const o = ours[i]!;
    const label = `${n} pgwire sessions, a point SELECT each per second, ${FRONTENDS} front-end processes`;
    const vs = (name: string, value: number) => ({ name: `sessions in the environment process: ${name}`, value });
    figures.push(figure(`${label}: SELECTs/s achieved`, o.selectsPerSec, '/s', vs('SELECTs/s', b.selectsPerSec)));
    figures.push(figure(`${label}: p50 latency`, o.p50Ms, 'ms', vs('p50', b.p50Ms)));
    figures.push(figure(`${label}: p99 latency`, o.p99Ms, 'ms', vs('p99', b.p99Ms)));
    figures.push(figure(`${label}: environment process CPU`, o.envCpuPct, '% of a core', vs('environment process CPU', b.envCpuPct)));
    figures.push(figure(`${label}: front-end processes' CPU (together)`, o.frontendCpuPct, '% of a core'));
    figures.push(figure(`${label}: every platform process's CPU (together)`, o.platformCpuPct, '% of a core', vs('every platform process', b.platformCpuPct)));
  });
  return figures;
}
