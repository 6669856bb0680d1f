/**
 * pgwire with real drivers in other languages that definite did not write, against a real
 * platform: psycopg2 (Python, libpq underneath: client-side parameter interpolation, an implicit
 * BEGIN before the first statement with autocommit off) and the PostgreSQL JDBC driver (Java:
 * start-up SETs, Parse with typed parameters, PreparedStatement, setAutoCommit(false)/commit).
 * Each runs a script from clients/ and the test checks what it printed. JDBC's DatabaseMetaData
 * (getTables, getColumns: the driver's own pg_catalog queries) is compared with
 * what the same program prints for PostgreSQL 15 (127.0.0.1:5432) with the same objects. A test is skipped only
 * when its interpreter or driver is not installed (scripts/preflight.js installs them).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setupNats, type TestNats } from '../../helpers/nats.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../../helpers/platform.js';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const PSYCOPG2 = '/usr/lib/python3/dist-packages/psycopg2/__init__.py';
const JDBC_JAR = '/usr/share/java/postgresql.jar';
const JAVA = ['/usr/bin/java', ...(process.env['JAVA_HOME'] ? [join(process.env['JAVA_HOME'], 'bin', 'java')] : [])].find((p) => existsSync(p));

const hasPsycopg2 = existsSync(PYTHON) && existsSync(PSYCOPG2);
const hasJdbc = JAVA !== undefined && existsSync(JDBC_JAR);
if (!hasPsycopg2) console.warn(`skipping the psycopg2 test: ${PYTHON} with psycopg2 (${PSYCOPG2}) is not installed (apt-get install -y python3-psycopg2)`);
if (!hasJdbc) console.warn(`skipping the JDBC test: java or ${JDBC_JAR} is not installed (apt-get install -y openjdk-17-jre-headless libpostgresql-jdbc-java)`);

const region = 'pgwireclients';
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

/** Runs a program to its end; its stdout lines, or a failure with its stderr. */
function run(cmd: string, args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: join(here, 'clients'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`${cmd} exited ${code}\nstdout:\n${out}\nstderr:\n${err}`))));
  });
}

(hasPsycopg2 ? test : test.skip)('psycopg2: CREATE, parameterized INSERT, an implicit-BEGIN transaction, SELECT with a parameter, a failed transaction rolled back', async () => {
  const lines = await run(PYTHON, ['psycopg2_client.py', String(port)]);
  expect(lines).toEqual([
    'server_version 150000',
    'insert INSERT 0 1',
    'in transaction True',
    "row (1, \"it's one\", 1.5)",
    "row (2, 'two', 2.25)",
    'row (3, None, 3.0)',
    'error 23502',
    'count 3',
    'done',
  ]);
});

(hasJdbc ? test : test.skip)('JDBC: PreparedStatement with typed parameters, setAutoCommit(false) / commit, SELECT with a parameter', async () => {
  const lines = await run(JAVA!, ['-cp', JDBC_JAR, 'JdbcClient.java', String(port)]);
  expect(lines).toEqual([
    expect.stringMatching(/^connected 15\.0/),
    'insert 1',
    'row 1 one 10 1.5 12.345',
    "row 2 two's 20 2.25 -0.0012",
    // definite's numeric keeps the value, not the scale (100000005.00 reads back as 100000005).
    'row 3 null 30 3.25 100000005.00', // the BigDecimal's scale, kept as PostgreSQL keeps it (issue #18)
    'done',
  ]);
});

const METADATA_OBJECTS = [
  'CREATE TABLE items (id int NOT NULL, name text, price numeric, qty bigint, ok bool, at timestamp, f double precision);',
  'CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10;',
  'CREATE MATERIALIZED VIEW named AS SELECT id, name FROM items WHERE name IS NOT NULL;',
].join('\n');

function psql(args: string[], script: string): string {
  const r = spawnSync('psql', ['-X', '-q', ...args], { input: script, encoding: 'utf8', env: { ...process.env, PGCONNECT_TIMEOUT: '30' } });
  return r.stderr;
}

// getPrimaryKeys runs the driver's query: information_schema._pg_expandarray(i.indkey) in the
// select list and `(result.KEYS).x` (select-srf.ts); definite has no primary keys, and none of
// these objects has one in PostgreSQL, so both answers are empty (docs/pgwire.md).
(hasJdbc ? test : test.skip)('JDBC DatabaseMetaData: getTables, getColumns and getPrimaryKeys answer as for PostgreSQL 15', async () => {
  const db = 'definite_jdbc_metadata';
  const postgres = ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres'];
  psql([...postgres, 'postgres'], `DROP DATABASE IF EXISTS ${db};`);
  expect(psql([...postgres, 'postgres'], `CREATE DATABASE ${db};`)).toBe('');
  try {
    expect(psql([...postgres, db], METADATA_OBJECTS)).toBe('');
    expect(psql(['-h', '127.0.0.1', '-p', String(port), '-U', 'materialize', 'materialize'], METADATA_OBJECTS)).toBe('');
    const want = await run(JAVA!, ['-cp', JDBC_JAR, 'JdbcMetaData.java', `jdbc:postgresql://127.0.0.1:5432/${db}?user=postgres&sslmode=disable`, 'keys']);
    const got = await run(JAVA!, ['-cp', JDBC_JAR, 'JdbcMetaData.java', `jdbc:postgresql://127.0.0.1:${port}/materialize?user=materialize&sslmode=disable`, 'keys']);
    expect(want).toContain('table|TABLE_SCHEM=public|TABLE_NAME=items|TABLE_TYPE=TABLE|REMARKS=null');
    // The other tests' tables (java_items, py_items) are on this platform only.
    expect(got.filter((l) => !/TABLE_NAME=(java|py)_items\b/.test(l))).toEqual(want);
  } finally {
    psql([...postgres, 'postgres'], `DROP DATABASE IF EXISTS ${db};`);
  }
});
