/**
 * The pre-parser of definite's SQL extensions and the statement splitter.
 */
import { preparse, parseInterval } from '../../actors/control/sql/preparse.js';
import { splitStatements } from '../../actors/control/sql/split.js';
import { SqlError } from '../../protocol/control/errors.js';

test('splits statements at top-level semicolons only', () => {
  const s = splitStatements(`SELECT 'a;b'; -- c;\nSELECT "x;y" /* ; */ ; ;SELECT $$;$$`);
  expect(s.map((x) => x.text)).toEqual([`SELECT 'a;b'`, `-- c;\nSELECT "x;y" /* ; */`, 'SELECT $$;$$']);
  expect(s[2]!.offset).toBe(`SELECT 'a;b'; -- c;\nSELECT "x;y" /* ; */ ; ;`.length);
});

test('CREATE SOURCE from generators and JetStream', () => {
  expect(preparse(`CREATE SOURCE c FROM LOAD GENERATOR COUNTER (TICK INTERVAL '100ms')`)).toEqual({
    kind: 'create_generator_source', name: 'c', ifNotExists: false, generator: 'counter', tickMs: 100,
  });
  expect(preparse(`create source if not exists "Auc" from generator auction for all tables`)).toMatchObject({ name: 'Auc', generator: 'auction', ifNotExists: true, tickMs: 1000 });
  expect(preparse(`CREATE SOURCE tpch FROM LOAD GENERATOR TPCH (SCALE FACTOR 0.01) FOR ALL TABLES`)).toEqual({
    kind: 'create_generator_source', name: 'tpch', ifNotExists: false, generator: 'tpch', tickMs: 1000, scaleFactor: 0.01,
  });
  expect(preparse(`CREATE SOURCE t FROM LOAD GENERATOR TPCH`)).toMatchObject({ generator: 'tpch', scaleFactor: 0.01 });
  expect(preparse(`CREATE SOURCE t FROM LOAD GENERATOR TPCH (TICK INTERVAL '2s', SCALE FACTOR 1)`)).toMatchObject({ tickMs: 2000, scaleFactor: 1 });
  for (const bad of ['0', '11']) expect(() => preparse(`CREATE SOURCE t FROM LOAD GENERATOR TPCH (SCALE FACTOR ${bad})`)).toThrow(/SCALE FACTOR must be greater than 0/);
  expect(() => preparse(`CREATE SOURCE t FROM LOAD GENERATOR COUNTER (SCALE FACTOR 1)`)).toThrow(SqlError);
  expect(preparse(`CREATE SOURCE ev FROM JETSTREAM STREAM 'events' SUBJECT 'ev.>' FORMAT JSON (id int NOT NULL, name text, score double precision)`)).toEqual({
    kind: 'create_jetstream_source', name: 'ev', ifNotExists: false, stream: 'events', subject: 'ev.>', format: 'json',
    columns: [
      { name: 'id', type: 'int', nullable: false },
      { name: 'name', type: 'text', nullable: true },
      { name: 'score', type: 'float', nullable: true },
    ],
  });
  expect(preparse(`CREATE SOURCE u FROM JETSTREAM 'S' FORMAT MSGPACK (id int, v text) KEY (id) ENVELOPE UPSERT`)).toMatchObject({ envelope: 'upsert', key: ['id'] });
  expect(preparse(`CREATE SOURCE u FROM JETSTREAM 'S' FORMAT JSON (a int, b int, v text) KEY (a, b) ENVELOPE DEBEZIUM`)).toMatchObject({ envelope: 'debezium', key: ['a', 'b'] });
  expect(preparse(`CREATE SOURCE u FROM JETSTREAM 'S' FORMAT JSON (id int) ENVELOPE NONE`)).not.toHaveProperty('envelope');
  expect(() => preparse(`CREATE SOURCE u FROM JETSTREAM 'S' FORMAT JSON (id int) ENVELOPE UPSERT`)).toThrow(/needs KEY/);
});

test('clusters, drops, show', () => {
  expect(preparse('CREATE CLUSTER c2 (SIZE \'small\')')).toEqual({ kind: 'create_cluster', name: 'c2', ifNotExists: false });
  expect(preparse('DROP MATERIALIZED VIEW IF EXISTS mv CASCADE')).toEqual({ kind: 'drop', objectKind: 'materialized_view', name: 'mv', ifExists: true, cascade: true });
  expect(preparse('DROP SOURCE s')).toMatchObject({ objectKind: 'source', name: 's' });
  expect(preparse('DROP SINK IF EXISTS k')).toMatchObject({ objectKind: 'sink', name: 'k', ifExists: true });
  expect(preparse(`CREATE SINK k FROM mv INTO JETSTREAM STREAM 'OUT' SUBJECT 'out.mv' KEY (a, b) FORMAT MSGPACK ENVELOPE UPSERT`)).toEqual({
    kind: 'create_jetstream_sink', name: 'k', ifNotExists: false, from: 'mv', stream: 'OUT', subject: 'out.mv', key: ['a', 'b'], format: 'msgpack', envelope: 'upsert',
  });
  expect(preparse(`CREATE SINK IF NOT EXISTS k FROM t INTO JETSTREAM 'OUT' FORMAT JSON ENVELOPE DEBEZIUM`)).toMatchObject({ ifNotExists: true, envelope: 'debezium', stream: 'OUT' });
  expect(() => preparse(`CREATE SINK k FROM t INTO JETSTREAM 'OUT' FORMAT JSON ENVELOPE UPSERT`)).toThrow(/needs KEY/);
  expect(preparse('SHOW MATERIALIZED VIEWS')).toEqual({ kind: 'show_objects', objectKind: 'materialized_view' });
  expect(preparse('SHOW SOURCES')).toEqual({ kind: 'show_objects', objectKind: 'source' });
  expect(preparse('SHOW cluster')).toBeUndefined();
});

test('SUBSCRIBE with progress, AS OF, and a query', () => {
  expect(preparse('SUBSCRIBE TO v WITH (PROGRESS) AS OF 123')).toEqual({ kind: 'subscribe', target: { name: 'v' }, progress: true, asOf: 123 });
  const q = preparse('SUBSCRIBE (SELECT a, (b + 1) FROM t WHERE c = \')\')');
  expect(q).toMatchObject({ kind: 'subscribe', progress: false, target: { query: "SELECT a, (b + 1) FROM t WHERE c = ')'" } });
});

test('SELECT AS OF and IN CLUSTER are rewritten for libpg-query', () => {
  expect(preparse('SELECT * FROM t AS OF 42')).toEqual({ kind: 'rewritten', text: 'SELECT * FROM t', asOf: 42 });
  expect(preparse('SELECT * FROM t')).toBeUndefined();
  expect(preparse('CREATE MATERIALIZED VIEW mv IN CLUSTER c1 AS SELECT 1')).toEqual({ kind: 'rewritten', text: 'CREATE MATERIALIZED VIEW mv AS SELECT 1', inCluster: 'c1' });
  expect(preparse('CREATE TABLE t (a int)')).toBeUndefined();
});

test('syntax errors carry SQLSTATE 42601 and a position', () => {
  const err = (() => {
    try {
      preparse('CREATE SOURCE s FROM GENERATOR BANANA');
    } catch (e) {
      return e as SqlError;
    }
    return undefined;
  })();
  expect(err).toBeInstanceOf(SqlError);
  expect(err!.sqlstate).toBe('42601');
  expect(err!.details['position']).toBe(32);
  expect(() => parseInterval('soon')).toThrow(SqlError);
});

test('CREATE SECRET, CREATE CONNECTION ... TO POSTGRES, CREATE SOURCE ... FROM POSTGRES, their DROP and SHOW', () => {
  expect(preparse(`CREATE SECRET pw AS 's3cr3t'`)).toEqual({ kind: 'create_secret', name: 'pw', ifNotExists: false, value: 's3cr3t' });
  expect(preparse(`CREATE CONNECTION c TO POSTGRES (HOST 'db', PORT 5433, USER repl, PASSWORD SECRET pw, DATABASE 'shop')`)).toEqual({
    kind: 'create_connection', name: 'c', ifNotExists: false, postgres: { host: 'db', port: 5433, user: 'repl', passwordSecret: 'pw', database: 'shop' },
  });
  expect(preparse(`CREATE CONNECTION c TO POSTGRES (HOST 'db', USER 'u', DATABASE d)`)).toMatchObject({ postgres: { port: 5432, user: 'u', database: 'd' } });
  expect(preparse(`CREATE SOURCE s FROM POSTGRES CONNECTION c (PUBLICATION 'p') FOR ALL TABLES`)).toEqual({
    kind: 'create_postgres_source', name: 's', ifNotExists: false, connection: 'c', publication: 'p',
  });
  expect(preparse(`CREATE SOURCE s FROM POSTGRES CONNECTION c (PUBLICATION 'p') FOR TABLES (a, sales.b AS b2)`)).toMatchObject({
    tables: [{ table: 'a' }, { schema: 'sales', table: 'b', alias: 'b2' }],
  });
  expect(preparse('DROP SECRET IF EXISTS pw CASCADE')).toEqual({ kind: 'drop', objectKind: 'secret', name: 'pw', ifExists: true, cascade: true });
  expect(preparse('DROP CONNECTION c')).toMatchObject({ objectKind: 'connection' });
  expect(preparse('SHOW SECRETS')).toEqual({ kind: 'show_objects', objectKind: 'secret' });
  expect(preparse('SHOW CONNECTIONS')).toEqual({ kind: 'show_objects', objectKind: 'connection' });
  expect(preparse('SHOW SOURCE STATUSES')).toEqual({ kind: 'show_source_statuses' });
});

test('bad secret, connection and postgres source statements: syntax errors that never echo the secret', () => {
  for (const bad of [`CREATE SECRET pw 'zz-secret'`, `CREATE SECRET pw AS 'zz-secret' more`, `CREATE SECRET pw AS zzsecret`]) {
    let message = '';
    try {
      preparse(bad);
    } catch (err) {
      expect(err).toBeInstanceOf(SqlError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/syntax error/);
    expect(message).not.toMatch(/zz-?secret/);
  }
  expect(() => preparse(`CREATE CONNECTION c TO POSTGRES (HOST 'h', USER 'u', PASSWORD 'zz', DATABASE 'd')`)).toThrow(/PASSWORD takes a secret/);
  expect(() => preparse(`CREATE CONNECTION c TO POSTGRES (HOST 'h', PORT 0, USER 'u', DATABASE 'd')`)).toThrow(/not a TCP port/);
  expect(() => preparse(`CREATE CONNECTION c TO POSTGRES (USER 'u', DATABASE 'd')`)).toThrow(/needs HOST/);
  expect(() => preparse(`CREATE SOURCE s FROM POSTGRES CONNECTION c FOR ALL TABLES`)).toThrow(SqlError);
  expect(() => preparse(`CREATE SOURCE s FROM POSTGRES CONNECTION c (PUBLICATION 'p')`)).toThrow(/expected FOR/);
  expect(() => preparse(`CREATE SOURCE s FROM POSTGRES CONNECTION c (PUBLICATION 'p') FOR TABLES ()`)).toThrow(/expected a table name/);
});
