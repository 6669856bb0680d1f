/**
 * COPY and transactions with psql on a real platform: COPY FROM STDIN of 100,000 rows (text) then
 * counted and summed, 200,000 more (over one message, staged) in one commit, CSV with quotes and NULLs (`COPY 3`), a bad value (22P02, nothing written);
 * COPY TO STDOUT of tricky values compared byte for byte with PostgreSQL's own output (the
 * oracle, test/helpers/postgres.ts); `COPY (SUBSCRIBE t) TO STDOUT` (psql under stdbuf -oL) receiving a later INSERT, then psql
 * SIGINTed (its CancelRequest ends the COPY with 57014); a COPY (SUBSCRIBE) whose client stops
 * reading while 300,000 rows are written (the server's queue pauses and resumes the subscription)
 * still delivers every row exactly once; and `BEGIN; SELECT; COMMIT` in an
 * interactive psql (a pty from script(1)) whose prompt shows the transaction status (%x).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect as netConnect } from 'node:net';
import pg from 'pg';
import { treeSubject } from '../../../protocol/inspect/subjects.js';
import { actorsIn } from '../../../protocol/inspect/tree.js';
import type { Tree } from '../../../protocol/inspect/messages.js';
import { eventually, setupNats, type TestNats } from '../../helpers/nats.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { oraclePsqlArgs } from '../../helpers/postgres.js';

const require = createRequire(import.meta.url);
const { serialize } = require('pg-protocol') as typeof import('pg-protocol');
const { Parser } = require('pg-protocol/dist/parser.js') as typeof import('pg-protocol/dist/parser.js');

const region = 'pgwirecopy';
let nats: TestNats;
let p: TestPlatform;
let port: number;
let client: pg.Client;

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  port = await pgwirePort(p);
  client = new pg.Client({ host: '127.0.0.1', port, user: 'materialize', database: 'materialize' });
  await client.connect();
});
afterAll(async () => {
  await client?.end().catch(() => undefined);
  await p?.cleanup();
  await nats?.cleanup();
});

function psqlArgs(): string[] {
  return ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'materialize', 'materialize'];
}

function psql(args: string[], input = ''): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync('psql', [...psqlArgs(), ...args], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PGCONNECT_TIMEOUT: '30', PAGER: '' } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

async function pgwireConnections(): Promise<number> {
  const tree = await p.transport.request<Tree>(treeSubject(region), { type: 'GetTree' });
  return Number(actorsIn(tree.root).find((a) => a.kind === 'pgwire')?.info?.['connections'] ?? -1);
}

async function count(table: string): Promise<number> {
  return (await client.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
}

test('COPY FROM STDIN: 100,000 rows in one commit, counted and summed; CSV with quotes and NULLs; a bad value writes nothing', async () => {
  await client.query('CREATE TABLE bulk (id int NOT NULL, name text, score int)');
  const n = 100_000;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`${i}\tn${i}\t${i % 7 === 0 ? '\\N' : String(i % 1000)}`);
  const started = Date.now();
  const r = psql(['-c', 'COPY bulk FROM STDIN'], `${lines.join('\n')}\n`);
  const ms = Date.now() - started;
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  console.log(`COPY FROM STDIN via psql: ${n} rows in ${ms} ms (${Math.round(n / (ms / 1000))} rows/s, psql start-up included)`);
  expect(await count('bulk')).toBe(n);
  const sums = (await client.query('SELECT sum(id)::bigint AS ids, count(score)::int AS scores FROM bulk')).rows[0];
  expect(Number(sums.ids)).toBe((n * (n - 1)) / 2);
  expect(sums.scores).toBe(n - Math.ceil(n / 7));

  // More than one message carries (about 5 MiB encoded): staged in parts, one atomic commit.
  const big = psql(['-c', 'COPY bulk FROM STDIN'], `${lines.join('\n')}\n${lines.join('\n')}\n`);
  expect(big.stderr).toBe('');
  expect(big.status).toBe(0);
  expect(await count('bulk')).toBe(3 * n);

  await client.query('CREATE TABLE people (id int NOT NULL, name text, note text)');
  const csv = psql(['-c', 'COPY people FROM STDIN WITH (FORMAT csv)', '-c', 'SELECT 1'], '1,"Smith, Jo","said ""hi"""\n2,,\n3,"",plain\n');
  expect(csv.stderr).toBe('');
  const rows = (await client.query('SELECT id, name, note FROM people ORDER BY id')).rows;
  expect(rows).toEqual([
    { id: 1, name: 'Smith, Jo', note: 'said "hi"' },
    { id: 2, name: null, note: null },
    { id: 3, name: '', note: 'plain' },
  ]);

  const bad = psql(['-v', 'VERBOSITY=verbose', '-c', 'COPY people FROM STDIN'], '4\tfour\tx\nfive\tfive\tx\n');
  expect(bad.status).not.toBe(0);
  expect(bad.stderr).toMatch(/22P02/);
  expect(bad.stderr).toMatch(/invalid input syntax for type integer: "five"/);
  expect(await count('people')).toBe(3);
});

test('COPY ... TO STDOUT: text format byte for byte as PostgreSQL writes it; CSV with a header; a whole table', async () => {
  const values = ["(1, 'plain', 1.5, true)", "(2, E'tab\\there', -2, false)", "(3, E'new\\nline \\\\ back', 0.25, NULL)", '(4, NULL, NULL, true)'];
  await client.query('CREATE TABLE tricky (id int, s text, f float, b bool)');
  await client.query(`INSERT INTO tricky VALUES ${values.join(', ')}`);
  const ours = psql(['-c', 'COPY (SELECT * FROM tricky ORDER BY id) TO STDOUT']);
  expect(ours.stderr).toBe('');
  const oracle = spawnSync('psql', ['-X', '-q', ...(await oraclePsqlArgs()), '-c', `COPY (SELECT * FROM (VALUES ${values.join(', ')}) AS v(id, s, f, b) ORDER BY id) TO STDOUT`], { encoding: 'utf8' });
  expect(oracle.stderr).toBe('');
  expect(ours.stdout).toBe(oracle.stdout);
  const csv = psql(['-c', 'COPY (SELECT id, s FROM tricky WHERE id < 3 ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)']);
  expect(csv.stdout).toBe('id,s\n1,plain\n2,tab\there\n');
  const table = psql(['-c', 'COPY tricky TO STDOUT']);
  expect(table.stdout.split('\n').filter((l) => l).sort()).toEqual(oracle.stdout.split('\n').filter((l) => l).sort());
});

test('COPY (SUBSCRIBE t) TO STDOUT in psql: the snapshot, then a later INSERT; SIGINT cancels it (57014)', async () => {
  await client.query('CREATE TABLE live (k int, v text)');
  await client.query("INSERT INTO live VALUES (1, 'first')");
  // stdbuf: psql's stdout is a pipe here, so line-buffer it to see each row as it comes.
  const child = spawn('stdbuf', ['-oL', 'psql', ...psqlArgs(), '-c', 'COPY (SUBSCRIBE live) TO STDOUT'], { env: { ...process.env, PAGER: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await eventually(() => /\t1\t1\tfirst\n/.test(stdout), 'the snapshot row');
  await client.query("INSERT INTO live VALUES (2, 'second')");
  await eventually(() => /\t1\t2\tsecond\n/.test(stdout), 'the later insert');
  const lines = stdout.trim().split('\n').map((l) => l.split('\t'));
  expect(lines.map((l) => l.slice(1))).toEqual([['1', '1', 'first'], ['1', '2', 'second']]);
  expect(Number(lines[1]![0])).toBeGreaterThan(Number(lines[0]![0]));
  child.kill('SIGINT');
  expect(await exited).not.toBe(0);
  expect(stderr).toMatch(/canceling statement due to user request/);
  // The server keeps serving, on this connection and new ones.
  expect(await count('live')).toBe(2);
  expect(psql(['-At', '-c', 'SELECT count(*) FROM live']).stdout).toBe('2\n');
});

test('psql interactive: BEGIN; SELECT; COMMIT with the transaction status in the prompt (%x)', () => {
  const cmd = `psql -X -h 127.0.0.1 -p ${port} -U materialize -v "PROMPT1=[%x]> " materialize`;
  const script = ['BEGIN;', 'SELECT 1 AS one;', 'SELECT * FROM nope;', 'SELECT 2;', 'ROLLBACK;', 'BEGIN;', 'SELECT 3 AS three;', 'COMMIT;', '\\q', ''].join('\n');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { input: script, encoding: 'utf8', env: { ...process.env, PAGER: '', TERM: 'dumb' } });
  const out = r.stdout.replace(/\r/g, '');
  // The prompt after each statement: idle, in a block (*), failed (!), ...
  const prompts = [...out.matchAll(/\[([*!]?)\]> /g)].map((m) => m[1]);
  expect(prompts).toEqual(['', '*', '*', '!', '!', '', '*', '*', '']);
  expect(out).toMatch(/current transaction is aborted, commands ignored until end of transaction block/);
  expect(out).toMatch(/three/);
  expect(out).toMatch(/COMMIT/);
});

test('COPY (SUBSCRIBE) to a client that stops reading: every row of 300,000 written meanwhile arrives exactly once', async () => {
  await client.query('CREATE TABLE flood (k int NOT NULL, v text)');
  const parser = new Parser();
  const keys = new Map<number, number>();
  let copying = false;
  let errors = '';
  const s = netConnect(port, '127.0.0.1', () => s.write(Buffer.concat([serialize.startup({ user: 'materialize', database: 'materialize' }), serialize.query('COPY (SUBSCRIBE flood) TO STDOUT')])));
  s.on('data', (d: Buffer) =>
    parser.parse(d, (m) => {
      const x = m as unknown as { name: string; chunk?: Buffer; message?: string };
      if (x.name === 'copyOutResponse') copying = true;
      if (x.name === 'error') errors += x.message ?? '';
      if (x.name === 'copyData') {
        const [, diff, k] = x.chunk!.toString('utf8').split('\t');
        keys.set(Number(k), (keys.get(Number(k)) ?? 0) + Number(diff));
      }
    }),
  );
  await eventually(() => copying, 'CopyOutResponse');
  s.pause();
  const rounds = 6;
  const n = 50_000;
  for (let r = 0; r < rounds; r++) {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(`${r * n + i}\tvalue number ${r * n + i} padded to fill the socket`);
    const load = psql(['-c', 'COPY flood FROM STDIN'], `${lines.join('\n')}\n`);
    expect(load.stderr).toBe('');
  }
  s.resume();
  await eventually(() => keys.size === rounds * n, 'every row', 600_000);
  expect(errors).toBe('');
  expect([...keys.values()].every((d) => d === 1)).toBe(true);
  const open = await pgwireConnections();
  s.destroy();
  // The client closing its end (no row in flight) ends the COPY and the connection; the server serves on.
  await eventually(async () => (await pgwireConnections()) === open - 1, 'the closed COPY connection forgotten');
  expect(await count('flood')).toBe(rounds * n);
});
