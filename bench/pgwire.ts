/**
 * Postgres wire protocol benchmarks (`npm run bench -- --only pgwire`, issue #17), each beside
 * the same client against the local PostgreSQL server in the same run (127.0.0.1:5432, user
 * postgres, database test; its baselines are skipped with a message when none answers):
 * - a point SELECT from an indexed materialized view with node-postgres, a prepared statement,
 *   text format: median round trip; baseline: the same query on an indexed PostgreSQL table.
 *   Target: at most 1.5x.
 * - `SELECT 1` over the simple query protocol: median round trip. Target: at most 1.5x.
 * - 1,000 idle pgwire connections: heap + external of the environment process after GC, per
 *   connection (bench/control.ts's probe). Target: at most 64 KiB each.
 */
import pg from 'pg';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient, startControlPlatform, type ControlPlatform } from './control.js';
import { figure, median, type Figure } from './figure.js';

const ROWS = 1000;
const ROUNDS = 2000;
const IDLE_CONNECTIONS = 1000;

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

/** Median round trip of `run` over ROUNDS calls, after ROUNDS / 10 warm-up calls. */
async function roundTrip(run: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS + ROUNDS / 10; i++) {
    const t0 = performance.now();
    await run(i);
    if (i >= ROUNDS / 10) times.push(performance.now() - t0);
  }
  return median(times);
}

interface Timings {
  pointMs: number;
  selectOneMs: number;
}

/** The point SELECT (prepared, by key) and SELECT 1 through `client`, reading `relation`. */
async function timings(client: pg.Client, relation: string): Promise<Timings> {
  const point = { name: `point_${relation}`, text: `SELECT v FROM ${relation} WHERE k = $1` };
  const check = await client.query({ ...point, values: [7] });
  if (check.rows.length !== 1 || check.rows[0].v !== 'value 7') throw new Error(`point SELECT from ${relation} gave ${JSON.stringify(check.rows)}`);
  const pointMs = await roundTrip((i) => client.query({ ...point, values: [(i * 7919) % ROWS] }));
  const selectOneMs = await roundTrip(() => client.query('SELECT 1'));
  return { pointMs, selectOneMs };
}

async function postgresBaseline(): Promise<Timings | string> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (err) {
    return `no PostgreSQL on 127.0.0.1:5432 (${(err as Error).message}): baselines skipped`;
  }
  try {
    await client.query('DROP TABLE IF EXISTS dfn_bench_kv');
    await client.query('CREATE TABLE dfn_bench_kv (k int, v text)');
    await client.query(`INSERT INTO dfn_bench_kv SELECT g, 'value ' || g FROM generate_series(0, ${ROWS - 1}) g`);
    await client.query('CREATE INDEX ON dfn_bench_kv (k)');
    await client.query('ANALYZE dfn_bench_kv');
    return await timings(client, 'dfn_bench_kv');
  } finally {
    await client.query('DROP TABLE IF EXISTS dfn_bench_kv').catch(() => undefined);
    await client.end();
  }
}

export async function benchPgwire(): Promise<Figure[]> {
  const base = await postgresBaseline();
  if (typeof base === 'string') console.log(`  ${base}`);
  const p = await startControlPlatform();
  try {
    const port = await pgwirePort(p);
    const setup = await connectClient(p.url, 'bench-pgwire');
    const values = Array.from({ length: ROWS }, (_, k) => `(${k}, 'value ${k}')`).join(', ');
    await setup.sql(`CREATE TABLE kv (k int, v text); INSERT INTO kv VALUES ${values}`);
    await setup.sql('CREATE MATERIALIZED VIEW kv_mv AS SELECT k, v FROM kv; CREATE INDEX kv_mv_k ON kv_mv (k)');
    await setup.close();
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'materialize', database: 'materialize' });
    await client.connect();
    const ours = await timings(client, 'kv_mv');
    await client.end();

    const before = await p.envMemory();
    const idle: pg.Client[] = [];
    for (let i = 0; i < IDLE_CONNECTIONS; i++) {
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'materialize', database: 'materialize' });
      await c.connect();
      idle.push(c);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const after = await p.envMemory();
    await Promise.all(idle.map((c) => c.end().catch(() => undefined)));
    const perConnection = (after.heapUsed + after.external - before.heapUsed - before.external) / IDLE_CONNECTIONS / 1024;
    console.log(`  ${JSON.stringify({ ours, postgres: base, idleBefore: before, idleAfter: after })}`);

    const baseline = (name: string, value: number | undefined) => (value === undefined ? undefined : { name, value });
    const pgBase = typeof base === 'string' ? undefined : base;
    return [
      figure('point SELECT from an indexed materialized view over pgwire (node-postgres, prepared, text), median', ours.pointMs, 'ms', baseline('the same query on an indexed PostgreSQL 15 table', pgBase?.pointMs), pgBase ? { text: 'ratio <= 1.5', check: (_v, r) => (r ?? Infinity) <= 1.5 } : undefined),
      figure('SELECT 1 over pgwire (simple query protocol), median', ours.selectOneMs, 'ms', baseline('SELECT 1 against PostgreSQL 15', pgBase?.selectOneMs), pgBase ? { text: 'ratio <= 1.5', check: (_v, r) => (r ?? Infinity) <= 1.5 } : undefined),
      figure(`environment process memory per idle pgwire connection (${IDLE_CONNECTIONS} connections, heap + external after GC)`, perConnection, 'KiB', undefined, { text: '<= 64 KiB', check: (v) => v <= 64 }),
    ];
  } finally {
    await p.stop();
  }
}
