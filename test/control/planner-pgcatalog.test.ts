/**
 * The planner over definite's system catalog (sql/pg-catalog.ts) and Postgres' introspection
 * operators and functions: regex matches (`~`, `~*`, `!~`, `!~*`, OPERATOR(pg_catalog.~)) with
 * Postgres' answers (worked out on PostgreSQL 15), COLLATE default, pg_catalog and
 * information_schema relations of the fixture's tables and views, and the catalog functions
 * pg_table_is_visible, format_type, pg_get_userbyid, obj_description. Queries are planned and
 * evaluated by the reference evaluator, optimized and unoptimized (both must agree).
 */
import { applyFinishing, planQueryText, type RelationResolver } from '../../actors/control/sql/index.js';
import { oidOf, SystemCatalog, withSystemRelations, type CatalogObject } from '../../actors/control/sql/pg-catalog.js';
import { evaluatePlan } from '../../protocol/compute/reference.js';
import type { Row } from '../../protocol/types.js';
import { inputsFor, resolver, setup, sorted, sqlError, TABLES, VIEWS } from './planner-fixture.js';

/** The column names of `sql`. */
function query(sql: string): string[] {
  return planQueryText(sql, system).columns.map((c) => c.name);
}

beforeAll(setup);

const objects: CatalogObject[] = [
  ...Object.entries(TABLES).map(([name, t]): CatalogObject => ({ id: t.id, name, kind: 'table', columns: t.columns })),
  { id: VIEWS['eng']!.id, name: 'eng', kind: 'view', columns: [TABLES['emp']!.columns[0]!, TABLES['emp']!.columns[1]!], query: VIEWS['eng']!.query },
];
const system: RelationResolver = withSystemRelations(resolver, () => new SystemCatalog({ objects, database: 'materialize', owner: 'materialize' }));

function run(sql: string): Row[] {
  const planned = planQueryText(sql, system);
  const raw = planQueryText(sql, system, { optimize: false });
  const out = applyFinishing(evaluatePlan(planned.plan, inputsFor(planned)), planned.finishing);
  expect(applyFinishing(evaluatePlan(raw.plan, inputsFor(raw)), raw.finishing)).toEqual(out);
  return out;
}

describe('regular-expression operators', () => {
  test('~, ~*, !~, !~* as PostgreSQL 15 answers them', () => {
    // Each answer checked with psql against PostgreSQL 15.
    expect(
      run(String.raw`SELECT 'foo' ~ '^(foo)$', 'foobar' ~ '^(foo)$', 'FOO' ~* '^(foo)$', 'FOO' ~ 'foo', 'abc' !~ 'b', 'abc' !~* 'B',
        'a.c' ~ 'a\.c', 'abc' ~ 'a\.c', 'x1' ~ '^[[:alpha:]][[:digit:]]$', 'pg_toast' ~ '^pg_toast', 'public' !~ '^pg_toast',
        NULL ~ 'a', 'a' ~ NULL, 'a]b' ~ '[]]', 'ab' ~ 'a|x', 'items' ~ '^(it.*)$', 'abab' ~ '^(ab){2}$'`),
    ).toEqual([[true, false, true, false, false, false, true, false, true, true, true, null, null, true, true, true, true]]);
  });

  test('over columns, OPERATOR(pg_catalog.~) and COLLATE pg_catalog.default', () => {
    expect(sorted(run(`SELECT name FROM emp WHERE name ~ '^[ab]'`))).toEqual([['ann'], ['bob']]);
    expect(sorted(run(`SELECT name FROM emp WHERE name ~* '^[AB]'`))).toEqual([['ann'], ['bob']]);
    expect(sorted(run(`SELECT name FROM emp WHERE name !~ 'n'`))).toEqual([['bob'], ['cat'], ['eve']]);
    expect(run(`SELECT name FROM emp WHERE name OPERATOR(pg_catalog.~) '^(eve)$' COLLATE pg_catalog.default`)).toEqual([['eve']]);
  });

  test('a malformed pattern is an error; another collation is 0A000', () => {
    expect(() => run(`SELECT 'a' ~ '('`)).toThrow('invalid regular expression: Unterminated group');
    expect(() => run(`SELECT 'a' ~ '(?i)a'`)).toThrow('embedded options in a regular expression are not supported');
    expect(sqlError(() => run(`SELECT name FROM emp WHERE name ~ 'a' COLLATE "C"`)).sqlstate).toBe('0A000');
  });
});

describe('pg_catalog and information_schema', () => {
  test('pg_class and pg_namespace list the relations with their kinds', () => {
    expect(
      run(`SELECT c.relname, c.relkind FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' ORDER BY 1`),
    ).toEqual([['dept', 'r'], ['emp', 'r'], ['empty', 'r'], ['eng', 'v'], ['nums', 'r'], ['nums2', 'r'], ['ts', 'r']]);
    // An unqualified name is found in pg_catalog first (the search path).
    expect(run(`SELECT oid FROM pg_class WHERE relname = 'emp'`)).toEqual([[oidOf('u1')]]);
  });

  test('pg_attribute and information_schema.columns describe the columns', () => {
    expect(run(`SELECT attname, atttypid, attnotnull FROM pg_catalog.pg_attribute WHERE attrelid = ${oidOf('u2')} ORDER BY attnum`)).toEqual([
      ['id', 23, true], ['dname', 25, true], ['budget', 701, false],
    ]);
    expect(run(`SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'dept' ORDER BY ordinal_position`)).toEqual([
      ['id', 'integer', 'NO'], ['dname', 'text', 'NO'], ['budget', 'double precision', 'YES'],
    ]);
    expect(run(`SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'e%' ORDER BY 1`)).toEqual([
      ['emp', 'BASE TABLE'], ['empty', 'BASE TABLE'], ['eng', 'VIEW'],
    ]);
  });

  test('an unknown system relation is 42P01', () => {
    expect(sqlError(() => run('SELECT * FROM pg_catalog.pg_nope')).sqlstate).toBe('42P01');
  });
});

describe('catalog functions', () => {
  test('pg_table_is_visible, format_type, pg_get_userbyid, obj_description', () => {
    expect(
      run(`SELECT pg_catalog.pg_table_is_visible(${oidOf('u1')}), pg_table_is_visible(1259), pg_table_is_visible(99999), pg_table_is_visible(NULL),
        format_type(23, -1), format_type(1114, NULL), format_type(701, -1), format_type(99999, -1), format_type(NULL, -1),
        pg_get_userbyid(10), pg_get_userbyid(5), obj_description(${oidOf('u1')}), obj_description(${oidOf('u1')}, 'pg_class')`),
    ).toEqual([[true, true, false, null, 'integer', 'timestamp without time zone', 'double precision', '???', null, 'materialize', 'unknown (OID=5)', null, null]]);
  });

  test('over pg_attribute: the types of a relation\'s columns', () => {
    expect(run(`SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a WHERE a.attrelid = ${oidOf('u1')} ORDER BY a.attnum`)).toEqual([
      ['id', 'integer'], ['name', 'text'], ['dept', 'integer'], ['salary', 'numeric'], ['active', 'boolean'],
    ]);
  });

  test('psql\'s \\dt query', () => {
    expect(
      run(`SELECT n.nspname as "Schema", c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r','p','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
      AND c.relname OPERATOR(pg_catalog.~) '^(e.*)$' COLLATE pg_catalog.default
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2`),
    ).toEqual([['public', 'emp', 'table', 'materialize'], ['public', 'empty', 'table', 'materialize']]);
  });
});

describe('casts to regclass, regtype, regnamespace', () => {
  test('an oid becomes the name Postgres prints (an unknown oid its number)', () => {
    expect(
      run(`SELECT ${oidOf('u1')}::regclass, 1259::pg_catalog.regclass, 99999::regclass, 23::regtype, 1114::pg_catalog.regtype, 11::regnamespace,
        2200::pg_catalog.regnamespace::pg_catalog.text, NULL::regclass`),
    ).toEqual([['emp', 'pg_class', '99999', 'integer', 'timestamp without time zone', 'pg_catalog', 'public', null]]);
    expect(run(`SELECT c.oid::pg_catalog.regclass, c.relnamespace::regnamespace FROM pg_class c WHERE c.relname IN ('emp', 'pg_type') ORDER BY 1`)).toEqual([
      ['emp', 'public'], ['pg_type', 'pg_catalog'],
    ]);
    // The column is named as Postgres names it.
    expect(query(`SELECT c.oid::regclass, 1::regtype FROM pg_class c WHERE false`)).toEqual(['oid', 'regtype']);
  });

  test('a name becomes its oid; a name that names nothing is an error as in Postgres', () => {
    expect(
      run(`SELECT 'emp'::regclass, 'public.emp'::pg_catalog.regclass, '"emp"'::regclass, 'PG_CLASS'::regclass, '16385'::regclass,
        'integer'::regtype, 'pg_catalog.int4'::regtype, 'public'::regnamespace`),
    ).toEqual([[oidOf('u1'), oidOf('u1'), oidOf('u1'), 1259, 16385, 23, 23, 2200]]);
    expect(run(`SELECT relname FROM pg_class WHERE oid = 'dept'::regclass`)).toEqual([['dept']]);
    expect(sqlError(() => run(`SELECT 'nope'::regclass`))).toMatchObject({ sqlstate: '42P01', message: 'relation "nope" does not exist' });
    expect(sqlError(() => run(`SELECT 'nope'::regtype`))).toMatchObject({ sqlstate: '42704', message: 'type "nope" does not exist' });
    expect(sqlError(() => run(`SELECT 'nope'::regnamespace`))).toMatchObject({ sqlstate: '3F000', message: 'schema "nope" does not exist' });
    expect(sqlError(() => run(`SELECT 'a.b.c'::regclass`)).sqlstate).toBe('42602');
    expect(sqlError(() => run(`SELECT relname::regclass FROM pg_class`)).sqlstate).toBe('0A000');
    expect(sqlError(() => run(`SELECT true::regclass`)).sqlstate).toBe('42846');
  });

  test('without the system relations (a view, a write) a cast is 42883', () => {
    expect(sqlError(() => planQueryText(`SELECT 1259::regclass`, resolver)).sqlstate).toBe('42883');
  });
});

describe('the relations definite leaves empty, pg_get_expr, pg_relation_is_publishable', () => {
  test('pg_policy, pg_statistic_ext, pg_publication, pg_publication_rel, pg_publication_namespace, pg_attrdef, pg_inherits', () => {
    for (const r of ['pg_policy', 'pg_statistic_ext', 'pg_publication', 'pg_publication_rel', 'pg_publication_namespace', 'pg_attrdef', 'pg_inherits']) {
      expect(run(`SELECT count(*) FROM pg_catalog.${r}`)).toEqual([[0]]);
    }
    expect(run(`SELECT pol.polname, pol.polpermissive FROM pg_catalog.pg_policy pol WHERE pol.polrelid = '${oidOf('u1')}' ORDER BY 1`)).toEqual([]);
  });

  test('pg_get_expr of a NULL tree is NULL; pg_relation_is_publishable is true of a user table only', () => {
    expect(run(`SELECT pg_get_expr(c.relpartbound, c.oid), pg_catalog.pg_get_expr(c.relpartbound, c.oid, true) FROM pg_class c WHERE c.relname = 'emp'`)).toEqual([[null, null]]);
    expect(run(`SELECT pg_relation_is_publishable(${oidOf('u1')}), pg_relation_is_publishable('${oidOf('u10')}'), pg_relation_is_publishable(1259), pg_relation_is_publishable(99999)`)).toEqual([
      [true, false, false, null],
    ]);
  });
});

describe('functions of psql\'s \\l and \\dt+', () => {
  test('pg_size_pretty as PostgreSQL 15 answers it; pg_table_size & co. are NULL', () => {
    // Each answer checked with psql against PostgreSQL 15.
    expect(
      run(`SELECT pg_size_pretty(0::bigint), pg_size_pretty(10239::bigint), pg_size_pretty(10240::bigint), pg_size_pretty(10751::bigint),
        pg_size_pretty(-10240::bigint), pg_size_pretty(20971520::bigint), pg_size_pretty(10485759999::bigint), pg_size_pretty(1099511627776000::bigint),
        pg_size_pretty(NULL::bigint), pg_size_pretty(pg_catalog.pg_table_size(${oidOf('u1')})), pg_total_relation_size(1259), pg_relation_size(1259)`),
    ).toEqual([['0 bytes', '10239 bytes', '10 kB', '10 kB', '-10 kB', '20 MB', '10000 MB', '1000 TB', null, null, null, null]]);
    expect(sqlError(() => run(`SELECT pg_size_pretty('a'::text)`)).sqlstate).toBe('42883');
  });

  test('pg_encoding_to_char, array_to_string over arrays as text', () => {
    expect(run(`SELECT pg_encoding_to_char(6), pg_encoding_to_char(0), pg_encoding_to_char(999), array_to_string('{a,b}', E'\\n'), array_to_string(NULL, ',')`)).toEqual([
      ['UTF8', 'SQL_ASCII', '', 'a\nb', null],
    ]);
    expect(run(`SELECT d.datname, pg_catalog.pg_encoding_to_char(d.encoding), pg_catalog.array_to_string(d.datacl, E'\\n') FROM pg_catalog.pg_database d`)).toEqual([
      ['materialize', 'UTF8', null],
    ]);
  });
});

