/**
 * COPY FROM STDIN throughput over pgwire (`npm run bench -- --only pgwire-copy`, issue #17):
 * psql sends ROWS rows (int, text, int; text format, from a file) into one table, ROUNDS times,
 * each timed from psql's start to its exit (start-up and the one commit included; a COPY is one
 * commit, so at most MAX_COPY_BYTES: ~100k such rows); beside it the same psql commands
 * into a plain PostgreSQL table (127.0.0.1:5432, user postgres, database test;
 * skipped with a message when none answers). Target: at least 500,000 rows/s.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startControlPlatform } from './control.js';
import { figure, type Figure } from './figure.js';

const ROWS = Number(process.env['DFN_BENCH_COPY_ROWS'] ?? 100_000);
const ROUNDS = 5;

async function pgwirePort(dataDir: string): Promise<number> {
  for (let i = 0; i < 600; i++) {
    try {
      const port = Number(readFileSync(join(dataDir, 'pgwire.port'), 'utf8').trim());
      if (port > 0) return port;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('pgwire.port never written');
}

/** Seconds psql takes to COPY `file` into `table` (after `setup`). */
function psqlCopy(args: string[], table: string, file: string): number {
  const started = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', `psql -X -q -v ON_ERROR_STOP=1 ${args.join(' ')} -c "COPY ${table} FROM STDIN" < ${file}`], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`psql COPY failed: ${r.stderr}`);
  return seconds;
}

export async function benchPgwireCopy(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'dfn-copy-'));
  const file = join(dir, 'rows.tsv');
  const lines: string[] = [];
  for (let i = 0; i < ROWS; i++) lines.push(`${i}\tn${i}\t${i % 1000}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  let baseline: { name: string; value: number } | undefined;
  try {
    const local = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
    await local.connect();
    await local.query('DROP TABLE IF EXISTS dfn_copy_bench; CREATE TABLE dfn_copy_bench (id int NOT NULL, name text, score int)');
    await local.end();
    let s = 0;
    for (let r = 0; r < ROUNDS; r++) s += psqlCopy(['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', 'test'], 'dfn_copy_bench', file);
    baseline = { name: 'PostgreSQL, same psql COPYs', value: (ROWS * ROUNDS) / s };
  } catch (err) {
    console.log(`  no PostgreSQL baseline: ${(err as Error).message}`);
  }
  const p = await startControlPlatform();
  try {
    const port = await pgwirePort(p.dataDir);
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'materialize', database: 'materialize' });
    await client.connect();
    client.on('error', (err) => console.log(`  pgwire connection: ${err.message}\n${p.logTail()}`));
    await client.query('CREATE TABLE copy_bench (id int NOT NULL, name text, score int)');
    let s = 0;
    for (let r = 0; r < ROUNDS; r++) s += psqlCopy(['-h', '127.0.0.1', '-p', String(port), '-U', 'materialize', 'materialize'], 'copy_bench', file);
    const n = (await client.query('SELECT count(*)::int AS n FROM copy_bench')).rows[0].n as number;
    await client.end();
    if (n !== ROWS * ROUNDS) throw new Error(`COPY wrote ${n} rows, not ${ROWS * ROUNDS}`);
    return [figure(`COPY FROM STDIN, ${ROUNDS} x ${ROWS.toLocaleString('en-US')} rows into one table (psql, wall time)`, (ROWS * ROUNDS) / s, 'rows/s', baseline, { text: '>= 500,000 rows/s', check: (v) => v >= 500_000 })];
  } catch (err) {
    console.log(p.logTail());
    throw err;
  } finally {
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
