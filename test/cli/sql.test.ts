/**
 * `definite sql` as a user runs it, against `definite up` on an empty data dir with the demo
 * catalog (as `npm start` does): the demo objects exist and answer; one-shot statements print
 * as a table, as CSV the way Postgres writes it (header line, NULL as an empty field) and as
 * JSON (an object per row); an error prints its SQLSTATE and exits non-zero; SUBSCRIBE streams until interrupted;
 * the interactive prompt runs statements typed on stdin.
 */
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, PROJECT_ROOT } from '../../runtime/nats-server.js';
import { eventually } from '../helpers/nats.js';

const run = promisify(execFile);
const bin = join(PROJECT_ROOT, 'bin', 'definite.js');
const dir = mkdtempSync(join(tmpdir(), 'dfn-sql-'));
let env: NodeJS.ProcessEnv;
let up: ReturnType<typeof spawn>;
let upOutput = '';

/** `--format json` prints one JSON object per row, a line each. */
const jsonLines = (out: string): unknown[] => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
const sql = (statement: string, ...flags: string[]) => run(process.execPath, [bin, 'sql', statement, ...flags], { env });

beforeAll(async () => {
  env = {
    ...process.env,
    DFN_DATA_DIR: dir,
    DFN_NATS_PORT: String(await freePort()),
    DFN_NATS_HTTP_PORT: String(await freePort()),
    DFN_NATS_WS_PORT: String(await freePort()),
    DFN_INSPECTOR_PORT: String(await freePort()),
  };
  up = spawn(process.execPath, [bin, 'up'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  up.stdout!.on('data', (d) => (upOutput += String(d)));
  up.stderr!.on('data', (d) => (upOutput += String(d)));
});

afterAll(async () => {
  if (up.exitCode === null) {
    up.kill('SIGINT');
    await new Promise((r) => up.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

test('up prints how to query the demo catalog, and the demo objects exist', async () => {
  const { stdout } = await eventually(async () => {
    const r = await sql('SHOW OBJECTS', '--format', 'csv');
    return r.stdout.includes('auction_summary_idx') ? r : undefined;
  }, 'the demo catalog created');
  expect(upOutput).toContain('node bin/definite.js sql');
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('name,type,cluster');
  for (const name of ['auction_house', 'auctions', 'bids', 'bid_sizes', 'auction_summary', 'auction_summary_idx']) {
    expect(lines.some((l) => l.startsWith(`${name},`))).toBe(true);
  }
  // The generator ticks: auctions appear in the materialized view (through its index).
  await eventually(async () => {
    const { stdout: out } = await sql('SELECT count(*) FROM auction_summary', '--format', 'json');
    return Number((jsonLines(out)[0] as { count?: number } | undefined)?.count ?? 0) > 0;
  }, 'auction_summary has rows');
});

test('one-shot statements in table, csv and json formats; NULL is an empty CSV field', async () => {
  await sql("CREATE TABLE people (id int NOT NULL, name text); INSERT INTO people VALUES (1, 'ann'), (2, NULL)");
  const csv = (await sql('SELECT id, name FROM people ORDER BY id', '--format', 'csv')).stdout;
  expect(csv.trim().split('\n')).toEqual(['id,name', '1,ann', '2,']);
  const json = jsonLines((await sql('SELECT id, name FROM people ORDER BY id', '--format', 'json')).stdout);
  expect(json).toEqual([{ id: 1, name: 'ann' }, { id: 2, name: null }]);
  const table = (await sql('SELECT id, name FROM people ORDER BY id')).stdout;
  expect(table).toMatch(/id\s*\|\s*name/);
  expect(table).toMatch(/\(2 rows\)/);
});

test('timestamps print as Postgres prints them, not as epoch milliseconds (issue #18)', async () => {
  const q = "SELECT TIMESTAMP '2024-03-01 10:30:00' AS t, TIMESTAMP '2024-03-01 10:30:00.120' AS u";
  expect((await sql(q, '--format', 'csv')).stdout.trim().split('\n')).toEqual(['t,u', '2024-03-01 10:30:00,2024-03-01 10:30:00.12']);
  expect(jsonLines((await sql(q, '--format', 'json')).stdout)).toEqual([{ t: '2024-03-01 10:30:00', u: '2024-03-01 10:30:00.12' }]);
  expect((await sql(q)).stdout).toMatch(/ 2024-03-01 10:30:00 \| 2024-03-01 10:30:00\.12/);
});

test('an error prints the SQLSTATE and exits non-zero', async () => {
  const err = await sql('SELECT * FROM nope').then(
    () => undefined,
    (e: { code: number; stderr: string }) => e,
  );
  expect(err?.code).toBe(1);
  expect(err?.stderr).toMatch(/ERROR: .*nope.*\(SQLSTATE 42P01\)/);
});

test('SUBSCRIBE prints updates as they come until interrupted; the prompt runs typed statements', async () => {
  const sub = spawn(process.execPath, [bin, 'sql', 'SUBSCRIBE people WITH (PROGRESS)', '--format', 'csv'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  sub.stdout!.on('data', (d) => (out += String(d)));
  await eventually(() => out.includes('ann'), 'the snapshot printed');
  await sql("INSERT INTO people VALUES (3, 'cy')");
  await eventually(() => out.includes('cy'), 'the insert streamed');
  sub.kill('SIGINT');
  await new Promise((r) => sub.once('exit', r));

  const prompt = spawn(process.execPath, [bin, 'sql', '--format', 'csv'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let said = '';
  prompt.stdout!.on('data', (d) => (said += String(d)));
  prompt.stdin!.write('SELECT name FROM people\n WHERE id = 3;\n');
  await eventually(() => said.includes('cy'), 'the prompt answered');
  prompt.stdin!.end('\\q\n');
  await new Promise((r) => prompt.once('exit', r));
});
