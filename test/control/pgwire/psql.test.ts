/**
 * psql (Debian's postgresql-client) against a real platform's pgwire front end: a script of
 * CREATE TABLE, INSERT, CREATE MATERIALIZED VIEW, SELECT (psql's aligned table output), SHOW, a
 * psql variable (:id), and an error shown with its SQLSTATE (VERBOSITY verbose), checked
 * on psql's output.
 */
import { spawnSync } from 'node:child_process';
import { setupNats, type TestNats } from '../../helpers/nats.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../../helpers/platform.js';

const region = 'pgwirepsql';
let nats: TestNats;
let p: TestPlatform;
let port: number;

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  port = await pgwirePort(p);
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

test('psql runs a script: DDL, writes, a materialized view, SELECT output, and an error with its SQLSTATE', () => {
  const r = psql(
    [
      'CREATE TABLE t (id int NOT NULL, name text);',
      "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, NULL);",
      'CREATE MATERIALIZED VIEW named AS SELECT id, name FROM t WHERE name IS NOT NULL;',
      'SELECT * FROM named ORDER BY id;',
      'SHOW server_version;',
      '\\set VERBOSITY verbose',
      'SELECT * FROM nope;',
      '\\set id 2',
      'SELECT name FROM t WHERE id = :id;',
      'SELECT current_database();',
    ].join('\n'),
  );
  expect(r.stderr).toMatch(/ERROR:\s+42P01: /);
  const out = r.stdout;
  expect(out).toContain('CREATE TABLE');
  expect(out).toContain('INSERT 0 3');
  expect(out).toContain('CREATE MATERIALIZED VIEW');
  expect(out).toContain([' id | name ', '----+------', '  1 | one', '  2 | two', '(2 rows)'].join('\n'));
  expect(out).toContain('15.0 (definite 0.1.0)');
  expect(out).toMatch(/ name \n------\n two\n\(1 row\)/);
  expect(out).toMatch(/ current_database \n-+\n materialize\n\(1 row\)/);
});

test('psql -c with an unknown database fails with its message', () => {
  const r = spawnSync('psql', ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'materialize', '-c', 'SELECT 1', 'nope'], { encoding: 'utf8' });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/database "nope" does not exist/);
});
