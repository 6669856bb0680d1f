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

async function loop(run: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  const end = performance.now() + MS;
  for (let i = 0; performance.now() < end; i++) {
    const t0 = performance.now();
    await run(i);
    times.push(performance.now() - t0);
  }
  return median(times.slice(times.length / 10));
}

const p = await startControlPlatform();
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
    let n = 0;
    console.log('point (prepared, new keys)', await loop((i) => (n++, client.query({ ...point, values: [(i * 7919) % ROWS] }))), 'queries', n);
  }
  if (only === 'select1') {
    let n = 0;
    console.log('SELECT 1', await loop(() => (n++, client.query('SELECT 1'))), 'queries', n);
  }
  if (!only) console.log('point', await loop((i) => client.query({ ...point, values: [(i * 7919) % ROWS] })));
  if (!only) console.log('point same key', await loop(() => client.query({ ...point, values: [7] })));
  if (!only) console.log('point again', await loop((i) => client.query({ ...point, values: [(i * 7919) % ROWS] })));
  if (!only) console.log('point literal, simple query', await loop((i) => client.query(`SELECT v FROM kv_mv WHERE k = ${(i * 7919) % ROWS}`)));
  if (!only) console.log('point literal, simple query, same key', await loop(() => client.query(`SELECT v FROM kv_mv WHERE k = 7`)));
  if (!only) console.log('SELECT 1', await loop(() => client.query('SELECT 1')));
  await client.end();
} finally {
  await p.stop();
}
