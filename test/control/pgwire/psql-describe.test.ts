/**
 * psql's introspection (`\dt`, `\dv`, `\dm`, `\d`) against a real platform's pgwire front end:
 * psql 15 sends its own pg_catalog queries (regex operators, COLLATE, pg_table_is_visible,
 * pg_get_userbyid over pg_class / pg_namespace / pg_am), answered from definite's catalog
 * (actors/control/sql/pg-catalog.ts). Checked on psql's output: the listed names and types.
 */
import { spawnSync } from 'node:child_process';
import { setupNats, type TestNats } from '../../helpers/nats.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../../helpers/platform.js';

const region = 'pgwiredescribe';
let nats: TestNats;
let p: TestPlatform;
let port: number;

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  port = await pgwirePort(p);
  const r = psql(
    [
      'CREATE TABLE items (id int NOT NULL, name text, price numeric);',
      'CREATE TABLE other (x bigint);',
      'CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10;',
      'CREATE MATERIALIZED VIEW named AS SELECT id, name FROM items WHERE name IS NOT NULL;',
    ].join('\n'),
  );
  expect(r.stderr).toBe('');
});
afterAll(async () => {
  await p?.cleanup();
  await nats?.cleanup();
});

function psql(script: string, args: string[] = []): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync('psql', ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'materialize', ...args, 'materialize'], {
    input: script,
    encoding: 'utf8',
    env: { ...process.env, PGCONNECT_TIMEOUT: '30', PAGER: '' },
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** The rows psql printed for a meta-command, as `schema|name|type|owner` (unaligned output). */
function listed(command: string): string[] {
  const r = psql(command, ['-A', '-t']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter((l) => l !== '');
}

test('\\dt lists the tables', () => {
  expect(listed('\\dt')).toEqual(['public|items|table|materialize', 'public|other|table|materialize']);
});

test('\\dv lists the views, \\dm the materialized views', () => {
  expect(listed('\\dv')).toEqual(['public|cheap|view|materialize']);
  expect(listed('\\dm')).toEqual(['public|named|materialized view|materialize']);
});

test('\\d lists every relation with its type, in name order, in psql\'s aligned table', () => {
  expect(listed('\\d')).toEqual([
    'public|cheap|view|materialize',
    'public|items|table|materialize',
    'public|named|materialized view|materialize',
    'public|other|table|materialize',
  ]);
  const r = psql('\\d');
  expect(r.stderr).toBe('');
  expect(r.stdout).toContain('List of relations');
  expect(r.stdout).toMatch(/ public \| named \| materialized view \| materialize\n/);
  expect(r.stdout).toContain('(4 rows)');
});

test('\\dt with a pattern lists the matching tables only (psql\'s ^(...)$ regex)', () => {
  expect(listed('\\dt it*')).toEqual(['public|items|table|materialize']);
  expect(listed('\\dv ch*')).toEqual(['public|cheap|view|materialize']);
});

test('a dropped table is no longer listed', () => {
  expect(psql('DROP TABLE other;').stderr).toBe('');
  expect(listed('\\dt')).toEqual(['public|items|table|materialize']);
});
