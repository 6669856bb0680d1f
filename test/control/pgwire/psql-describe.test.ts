/**
 * psql's introspection (`\dt`, `\dv`, `\dm`, `\d`) against a real platform's pgwire front end:
 * psql 15 sends its own pg_catalog queries (regex operators, COLLATE, pg_table_is_visible,
 * pg_get_userbyid over pg_class / pg_namespace / pg_am), answered from definite's catalog
 * (actors/control/sql/pg-catalog.ts). Checked on psql's output: the listed names and types;
 * `\l`, `\dn`, `\dt+`, `\d+` (no sizes: definite reports none).
 * `\d NAME`: the queries psql sends before its column query (captured from psql 15), with
 * casts to regclass / regtype, answer as PostgreSQL 15's do; `\d` of a view prints what psql
 * prints for PostgreSQL's; `\d` of a table and of a materialized view (their policy, statistics
 * and publication queries need arrays: ARRAY(subquery), = ANY, int2[], subscripts, a correlated
 * generate_series) prints what psql prints for the same objects built in PostgreSQL 15.
 * `\dT+`, `\do`, `\df+` print what psql prints for a new PostgreSQL database (none); `\dTS+`,
 * `\doS`, `\dC` (pg_type with ARRAY(subquery ORDER BY another column) over pg_enum, pg_operator,
 * pg_cast) are compared row by row with PostgreSQL's built-in catalog where both have the types
 * (definite has fewer); `\sf` is a clear 0A000 (no pg_proc functions, no regprocedure).
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
      'CREATE INDEX other_x ON other (x);',
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

test('\\l lists the database, \\dn the schema, \\dt+ and \\d+ the relations with persistence, access method, no size', () => {
  expect(listed('\\l')).toEqual(['materialize|materialize|UTF8|C|C||libc|']);
  expect(listed('\\dn')).toEqual(['public|materialize']);
  expect(listed('\\dt+ items')).toEqual(['public|items|table|materialize|permanent|heap||']);
  expect(listed('\\d+')).toEqual([
    'public|cheap|view|materialize|permanent|||',
    'public|items|table|materialize|permanent|heap||',
    'public|named|materialized view|materialize|permanent|heap||',
    'public|other|table|materialize|permanent|heap||',
  ]);
});

test('\\di lists an index with its table; \\dtS includes the system relations', () => {
  expect(listed('\\di')).toEqual(['public|other_x|index|materialize|other']);
  const system = listed('\\dtS');
  expect(system).toContain('pg_catalog|pg_class|table|materialize');
  expect(system).toContain('public|items|table|materialize');
});

test('a malformed regular expression is 2201B, as in Postgres', () => {
  const r = psql("\\set VERBOSITY verbose\nSELECT 'a' ~ '(';");
  expect(r.stderr).toMatch(/^ERROR:  2201B: invalid regular expression: Unterminated group\n/);
});

/** psql 15's queries for `\\d NAME` (captured with `psql -E` against PostgreSQL 15), for the oid `oid`. */
const DESCRIBE = {
  lookup: (name: string) => `SELECT c.oid,
  n.nspname,
  c.relname
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.~) '^(${name})$' COLLATE pg_catalog.default
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 2, 3;`,
  tableInfo: (oid: string) => `SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, false AS relhasoids, c.relispartition, '', c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, am.amname
FROM pg_catalog.pg_class c
 LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)
LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)
WHERE c.oid = '${oid}';`,
  parents: (oid: string) => `SELECT c.oid::pg_catalog.regclass
FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i
WHERE c.oid = i.inhparent AND i.inhrelid = '${oid}'
  AND c.relkind != 'p' AND c.relkind != 'I'
ORDER BY inhseqno;`,
  children: (oid: string) => `SELECT c.oid::pg_catalog.regclass, c.relkind, inhdetachpending, pg_catalog.pg_get_expr(c.relpartbound, c.oid)
FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i
WHERE c.oid = i.inhrelid AND i.inhparent = '${oid}'
ORDER BY pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', c.oid::pg_catalog.regclass::pg_catalog.text;`,
  policies: (oid: string) => `SELECT pol.polname, pol.polpermissive FROM pg_catalog.pg_policy pol WHERE pol.polrelid = '${oid}' ORDER BY 1;`,
};

test('\\d NAME: the queries psql sends before the column query answer as PostgreSQL\'s do', () => {
  const [lookup] = listed(DESCRIBE.lookup('items'));
  const [oid, schema, name] = lookup!.split('|');
  expect([schema, name]).toEqual(['public', 'items']);
  expect(Number(oid)).toBeGreaterThanOrEqual(16384);
  // relchecks, relkind, relhasindex, ..., reloftype as regtype text ('' for none), relpersistence, relreplident, amname
  expect(listed(DESCRIBE.tableInfo(oid!))).toEqual(['0|r|f|f|f|f|f|f|f||0||p|d|heap']);
  const [view] = listed(DESCRIBE.lookup('cheap'));
  expect(listed(DESCRIBE.tableInfo(view!.split('|')[0]!))).toEqual(['0|v|f|t|f|f|f|f|f||0||p|n|']);
  const [indexed] = listed(DESCRIBE.lookup('other'));
  expect(listed(DESCRIBE.tableInfo(indexed!.split('|')[0]!))).toEqual(['0|r|t|f|f|f|f|f|f||0||p|d|heap']);
  expect(listed(DESCRIBE.parents(oid!))).toEqual([]);
  expect(listed(DESCRIBE.children(oid!))).toEqual([]);
  expect(listed(DESCRIBE.policies(oid!))).toEqual([]);
  expect(listed(`SELECT '${oid}'::pg_catalog.regclass, ${oid}::pg_catalog.regclass, 'items'::regclass = ${oid}`)).toEqual([`${oid}|items|t`]);
});

/** psql against PostgreSQL 15 (127.0.0.1:5432), database `db`. */
function psqlPostgres(db: string, script: string): { stdout: string; stderr: string } {
  const r = spawnSync('psql', ['-X', '-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', db], { input: script, encoding: 'utf8', env: { ...process.env, PAGER: '' } });
  return { stdout: r.stdout, stderr: r.stderr };
}

test('\\d NAME of a table (with and without an index) and of a materialized view prints what psql prints for PostgreSQL 15\'s same objects', () => {
  // The same objects in a PostgreSQL database of their own (its queries: policies with
  // ARRAY(subquery) and = ANY, extended statistics, publications with int2[] and subscripts).
  const db = 'definite_psql_describe';
  psqlPostgres('postgres', `DROP DATABASE IF EXISTS ${db};`);
  expect(psqlPostgres('postgres', `CREATE DATABASE ${db};`).stderr).toBe('');
  try {
    const setup = psqlPostgres(
      db,
      'CREATE TABLE items (id int NOT NULL, name text, price numeric);\nCREATE TABLE other (x bigint);\nCREATE INDEX other_x ON other (x);\nCREATE MATERIALIZED VIEW named AS SELECT id, name FROM items WHERE name IS NOT NULL;',
    );
    expect(setup.stderr).toBe('');
    // `other` has an index: psql's index query (pg_index, pg_constraint, pg_get_indexdef) prints it.
    for (const name of ['items', 'named', 'other']) {
      const want = psqlPostgres(db, `\\d ${name}`);
      expect(want.stderr).toBe('');
      const got = psql(`\\d ${name}`);
      expect(got.stderr).toBe('');
      expect(got.stdout).toBe(want.stdout);
    }
    // \d+ of the tables too (storage, compression, statistics target, description columns).
    for (const name of ['items', 'other']) {
      const want = psqlPostgres(db, `\\d+ ${name}`);
      expect(want.stderr).toBe('');
      const got = psql(`\\d+ ${name}`);
      expect(got.stderr).toBe('');
      expect(got.stdout).toBe(want.stdout);
    }
    expect(psql('\\d items').stdout).toContain('Table "public.items"');
    expect(psql('\\d named').stdout).toContain('Materialized view "public.named"');
  } finally {
    psqlPostgres('postgres', `DROP DATABASE IF EXISTS ${db};`);
  }
});

test('\\d NAME of a view describes its columns, as psql shows PostgreSQL\'s', () => {
  const v = psql('\\d cheap');
  expect(v.stderr).toBe('');
  expect(v.stdout).toBe(
    '                View "public.cheap"\n Column |  Type   | Collation | Nullable | Default \n--------+---------+-----------+----------+---------\n id     | integer |           |          | \n name   | text    |           |          | \n\n',
  );
});

test('\\d+ NAME of a view and of a materialized view prints its definition', () => {
  for (const [name, query] of [['cheap', 'SELECT id, name FROM items WHERE price < 10'], ['named', 'SELECT id, name FROM items WHERE name IS NOT NULL']]) {
    const r = psql(`\\d+ ${name}`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`View definition:\n ${query};\n`);
  }
  expect(listed("SELECT viewname, definition FROM pg_views")).toEqual(['cheap| SELECT id, name FROM items WHERE price < 10;']);
  expect(listed("SELECT matviewname, hasindexes, ispopulated FROM pg_matviews")).toEqual(['named|f|t']);
});

test('a dropped table (and its index) is no longer listed', () => {
  expect(psql('DROP TABLE other CASCADE;').stderr).toBe('');
  expect(listed('\\dt')).toEqual(['public|items|table|materialize']);
  expect(listed("SELECT relname FROM pg_class WHERE relname LIKE 'other%'")).toEqual([]);
});

/** psql -A -t against PostgreSQL 15's database `postgres` (no objects of ours: its built-in catalog). */
function listedPostgres(command: string): string[] {
  const r = spawnSync('psql', ['-X', '-A', '-t', '-F', '\t', '-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', 'postgres'], { input: command, encoding: 'utf8', env: { ...process.env, PAGER: '' } });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter((l) => l !== '');
}

test('\\dT+, \\do, \\df+ (user types, operators, functions) print what psql prints for a new PostgreSQL database: none', () => {
  // Their queries: ARRAY(SELECT enumlabel FROM pg_enum ... ORDER BY enumsortorder) (an array
  // ordered by another column), pg_operator with pg_operator_is_visible, pg_proc with pg_language.
  for (const command of ['\\dT+', '\\do', '\\df+', '\\dT', '\\df']) {
    const want = spawnSync('psql', ['-X', '-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', 'postgres'], { input: command, encoding: 'utf8', env: { ...process.env, PAGER: '' } });
    expect(want.stderr).toBe('');
    const got = psql(command);
    expect(got.stderr).toBe('');
    expect(got.stdout).toBe(want.stdout);
  }
});

test('\\dTS+ lists definite\'s types with the internal names and sizes PostgreSQL gives them', () => {
  // Schema, name, internal name, size (owner and descriptions differ: definite's one role, no comments).
  const got = listed('\\dTS+').map((l) => l.split('|').slice(0, 5).join('|'));
  const want = new Set(listedPostgres('\\dTS+').map((l) => l.split('\t').slice(0, 5).join('|')));
  expect(got).toContain('pg_catalog|integer|int4|4|');
  expect(got).toContain('pg_catalog|jsonb|jsonb|var|');
  for (const row of got) expect(want).toContain(row);
});

test('\\doS lists the operators definite plans, with the result types PostgreSQL gives the same operand types', () => {
  // definite has fewer types and operators than PostgreSQL, and accepts a few operand pairs
  // PostgreSQL reaches only through a cast (interval * bigint): so each (name, left, right)
  // both list must have the same result type, and the common ones must be there.
  // Tab-separated: operator names have '|' in them.
  const key = (l: string) => l.split('\t').slice(1, 4).join('|');
  const result = (l: string) => l.split('\t')[4];
  const r = psql('\\doS', ['-A', '-t', '-F', '\t']);
  expect(r.stderr).toBe('');
  const got = new Map(r.stdout.split('\n').filter((l) => l !== '').map((l) => [key(l), result(l)]));
  const want = new Map(listedPostgres('\\doS').map((l) => [key(l), result(l)]));
  for (const op of ['+|integer|integer', '||text|text', '->|jsonb|text', '->>|jsonb|integer', '~~|text|text', '-|timestamp without time zone|timestamp without time zone', '@>|integer[]|integer[]', '-||integer']) {
    expect([op, got.get(op)]).toEqual([op, want.get(op)]);
  }
  let common = 0;
  for (const [k, r] of got) {
    if (!want.has(k)) continue;
    common++;
    expect([k, r]).toEqual([k, want.get(k)]);
  }
  expect(common).toBeGreaterThan(200);
});

test('\\dC lists definite\'s casts; those PostgreSQL has are implicit exactly when PostgreSQL\'s are', () => {
  // PostgreSQL's I/O conversion casts (integer to text, ...) are not in its pg_cast, definite's
  // are (castmethod 'i'); definite's assignment casts are numbers to numbers only (INSERT of a
  // timestamp into a date column is 42804), a subset of PostgreSQL's.
  const parse = (sep: string) => (l: string) => {
    const [source, target, , implicit] = l.split(sep);
    return { pair: `${source}|${target}`, implicit: implicit! };
  };
  const got = listed('\\dC').map(parse('|'));
  const want = new Map(listedPostgres('\\dC').map(parse('\t')).map((c) => [c.pair, c.implicit]));
  expect(got).toContainEqual({ pair: 'integer|bigint', implicit: 'yes' });
  expect(got).toContainEqual({ pair: 'bigint|integer', implicit: 'in assignment' });
  let common = 0;
  for (const c of got) {
    const w = want.get(c.pair);
    if (w === undefined) continue;
    common++;
    if (c.implicit === 'yes' || w === 'yes') expect([c.pair, c.implicit]).toEqual([c.pair, w]);
    if (c.implicit === 'in assignment') expect([c.pair, w]).toEqual([c.pair, 'in assignment']);
  }
  expect(common).toBeGreaterThan(30);
});

test('ARRAY(subquery) ordered by another column, as PostgreSQL orders it (NULLs last, first with DESC)', () => {
  expect(psql('CREATE TABLE ordered (a int, b text);\nINSERT INTO ordered VALUES (1, \'z\'), (2, \'y\'), (3, \'x\'), (NULL, \'w\');').stderr).toBe('');
  expect(listed('SELECT ARRAY(SELECT b FROM ordered ORDER BY a), ARRAY(SELECT b FROM ordered ORDER BY a DESC)')).toEqual(['{z,y,x,w}|{w,x,y,z}']);
  expect(listed('SELECT x, ARRAY(SELECT b FROM ordered WHERE ordered.a <= v.x ORDER BY a DESC) FROM (VALUES (1), (3)) v(x) ORDER BY x')).toEqual(['1|{z}', '3|{x,y,z}']);
  expect(psql('DROP TABLE ordered;').stderr).toBe('');
});

test('\\sf of a function is a clear error: definite lists no functions in pg_proc yet', () => {
  expect(psql('\\sf abs(integer)').stderr).toMatch(/^ERROR:  type "regprocedure" is not supported\n/);
  const r = psql("\\set VERBOSITY verbose\nSELECT 'abs(integer)'::pg_catalog.regprocedure::pg_catalog.oid;");
  expect(r.stderr).toMatch(/^ERROR:  0A000: type "regprocedure" is not supported/);
});
