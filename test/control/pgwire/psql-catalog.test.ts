/**
 * psql 15's `\du`, `\dT`, `\df`, `\df+` and `\dp` against a real platform's pgwire front end, each
 * compared with what psql prints for PostgreSQL 15 (127.0.0.1:5432) with the same objects: a
 * database of its own with the same tables and view, and, for `\du`, a role with the attributes
 * of definite's one role, created in a transaction that is rolled back (roles are shared by the
 * whole PostgreSQL server). Reads pg_auth_members, pg_proc, pg_type_is_visible,
 * pg_function_is_visible, pg_get_function_result / _arguments (actors/control/sql/pg-catalog.ts,
 * pg-functions.ts).
 */
import { spawnSync } from 'node:child_process';
import { setupNats, type TestNats } from '../../helpers/nats.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../../helpers/platform.js';

const region = 'pgwirecatalog';
const DB = 'definite_psql_catalog';
const OBJECTS = 'CREATE TABLE items (id int NOT NULL, name text);\nCREATE VIEW cheap AS SELECT id FROM items WHERE id < 10;';
let nats: TestNats;
let p: TestPlatform;
let port: number;

function run(args: string[], script: string): { stdout: string; stderr: string } {
  const r = spawnSync('psql', ['-X', '-q', ...args], { input: script, encoding: 'utf8', env: { ...process.env, PGCONNECT_TIMEOUT: '30', PAGER: '' } });
  return { stdout: r.stdout, stderr: r.stderr };
}

const ours = (script: string) => run(['-h', '127.0.0.1', '-p', String(port), '-U', 'materialize', 'materialize'], script);
const postgres = (script: string, db = DB) => run(['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', db], script);

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  port = await pgwirePort(p);
  expect(ours(OBJECTS).stderr).toBe('');
  postgres(`DROP DATABASE IF EXISTS ${DB};`, 'postgres');
  expect(postgres(`CREATE DATABASE ${DB};`, 'postgres').stderr).toBe('');
  expect(postgres(OBJECTS).stderr).toBe('');
});
afterAll(async () => {
  postgres(`DROP DATABASE IF EXISTS ${DB};`, 'postgres');
  await p?.cleanup();
  await nats?.cleanup();
});

/** psql's output of `command` here and for PostgreSQL: the same, and no error. */
function same(command: string, postgresScript = command): string {
  const want = postgres(postgresScript);
  expect(want.stderr).toBe('');
  const got = ours(command);
  expect(got.stderr).toBe('');
  expect(got.stdout).toBe(want.stdout);
  return got.stdout;
}

test('\\du lists the role with its attributes and no memberships, as psql shows PostgreSQL\'s', () => {
  // definite's role: superuser, create role, create DB, login, bypass RLS, no replication.
  const out = same('\\du materialize', 'BEGIN;\nCREATE ROLE materialize SUPERUSER CREATEROLE CREATEDB LOGIN BYPASSRLS NOREPLICATION;\n\\du materialize\nROLLBACK;');
  expect(out).toContain(' materialize | Superuser, Create role, Create DB, Bypass RLS | {}');
  // Without a pattern every role not named pg_*: here only definite's.
  expect(ours('\\du').stdout).toBe(out);
});

test('\\dT lists no data types outside pg_catalog, as for PostgreSQL', () => {
  expect(same('\\dT')).toContain('(0 rows)');
});

test('\\df lists no functions (none outside pg_catalog), as for a new PostgreSQL database', () => {
  expect(same('\\df')).toContain('List of functions');
  same('\\df+');
});

test('\\dp lists the tables and views with their (default: empty) privileges, as psql shows PostgreSQL\'s', () => {
  expect(same('\\dp')).toContain(' public | items | table |');
});

test('\\dx lists no extensions (pg_extension is empty), as psql prints PostgreSQL\'s list when none matches', () => {
  // PostgreSQL's databases have plpgsql; definite has no extensions: its \dx is PostgreSQL's empty list.
  const empty = same('\\dx no_such_extension');
  expect(empty).toContain('List of installed extensions');
  expect(empty).toContain('(0 rows)');
  expect(ours('\\dx')).toEqual({ stdout: empty, stderr: '' });
  same('\\dx+ no_such_extension');
});
