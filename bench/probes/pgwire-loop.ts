/**
 * A pgwire latency loop for profiling (not part of `npm run bench`): starts a platform as
 * bench/pgwire.ts does, then runs the point SELECT and SELECT 1 for DFN_LOOP_MS each and prints
 * the medians. Profile with NODE_OPTIONS='--cpu-prof --cpu-prof-dir=DIR' (the environment and
 * cluster processes inherit it).
 */
import pg from 'pg';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient, startControlPlatform } from '../control.js';
import { median } from '../figure.js';

const ROWS = 1000;
const MS = Number(process.env['DFN_LOOP_MS'] ?? 5000);

/** CPU seconds (user + system) of a process so far, from /proc. */
function cpuOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

let platform: Awaited<ReturnType<typeof startControlPlatform>> | undefined;

/** Median round trip (ms) and CPU µs per query of the environment process and of the other processes (cluster, storage, nats-server). */
async function loop(run: (i: number) => Promise<unknown>): Promise<string> {
  const env = platform!.envPid();
  const others = platform!.pids().filter((pid) => pid !== env);
  const sample = () => [cpuOf(env), others.reduce((n, pid) => n + cpuOf(pid), 0), performance.now() / 1000];
  // The background's CPU (ticks, commits, the dataflows following them) while no query runs, per second, subtracted.
  const idle0 = sample();
  await new Promise((r) => setTimeout(r, 2000));
  const idle1 = sample();
  const varz = async () => (await (await fetch(`${platform!.monitorUrl}/varz`)).json()) as { in_msgs: number; in_bytes: number };
  const v0 = await varz();
  const cpu0 = sample();
  const ms = await loopMs(run);
  const cpu1 = sample();
  const v1 = await varz();
  const rate = (i: number) => (idle1[i]! - idle0[i]!) / (idle1[2]! - idle0[2]!);
  const per = (i: number) => Math.round(((cpu1[i]! - cpu0[i]! - rate(i) * (cpu1[2]! - cpu0[2]!)) * 1e6) / count);
  return `${ms.toFixed(3)} ms median; CPU per query: environment ${per(0)} µs, others ${per(1)} µs (${count} queries); NATS messages in per query ${((v1.in_msgs - v0.in_msgs) / count).toFixed(2)}, bytes ${Math.round((v1.in_bytes - v0.in_bytes) / count)}`;
}

let count = 0;
async function loopMs(run: (i: number) => Promise<unknown>): Promise<number> {
  count = 0;
  const times: number[] = [];
  const end = performance.now() + MS;
  for (let i = 0; performance.now() < end; i++) {
    const t0 = performance.now();
    await run(i);
    times.push(performance.now() - t0);
    count++;
  }
  return median(times.slice(times.length / 10));
}

const p = await startControlPlatform();
platform = p;
try {
  let port = 0;
  while (!(port > 0)) {
    try { port = Number(readFileSync(join(p.dataDir, 'pgwire.port'), 'utf8').trim()); } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  const setup = await connectClient(p.url, 'probe');
  const values = Array.from({ length: ROWS }, (_, k) => `(${k}, 'value ${k}')`).join(', ');
  await setup.sql(`CREATE TABLE kv (k int, v text); INSERT INTO kv VALUES ${values}`);
  await setup.sql('CREATE MATERIALIZED VIEW kv_mv AS SELECT k, v FROM kv; CREATE INDEX kv_mv_k ON kv_mv (k)');
  await setup.close();
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'materialize', database: 'materialize' });
  await client.connect();
  const point = { name: 'point', text: 'SELECT v FROM kv_mv WHERE k = $1' };
  await client.query({ ...point, values: [7] });
  const only = process.env['DFN_LOOP_ONLY'];
  if (only === 'prepared') {
    console.log('point (prepared, new keys)', await loop((i) => client.query({ ...point, values: [(i * 7919) % ROWS] })));
  }
  if (only === 'select1') {
    console.log('SELECT 1', await loop(() => client.query('SELECT 1')));
  }
  if (!only) console.log('point', await loop((i) => client.query({ ...point, values: [(i * 7919) % ROWS] })));
  if (!only) console.log('point same key', await loop(() => client.query({ ...point, values: [7] })));
  if (!only) console.log('point again', await loop((i) => client.query({ ...point, values: [(i * 7919) % ROWS] })));
  if (!only) console.log('point literal, simple query', await loop((i) => client.query(`SELECT v FROM kv_mv WHERE k = ${(i * 7919) % ROWS}`)));
  if (!only) console.log('point literal, simple query, same key', await loop(() => client.query(`SELECT v FROM kv_mv WHERE k = 7`)));
  if (!only) console.log('SELECT 1', await loop(() => client.query('SELECT 1')));
  await client.end();
  if (process.env['DFN_LOOP_LOG']) console.log(p.logTail());
} finally {
  await p.stop();
}
