/**
 * The pre-parser for definite's SQL extensions (Materialize's syntax), tried before libpg-query:
 *
 *   CREATE SOURCE [IF NOT EXISTS] name [IN CLUSTER c] FROM [LOAD] GENERATOR COUNTER|AUCTION [(TICK INTERVAL '100ms')] [FOR ALL TABLES]
 *   CREATE SOURCE [IF NOT EXISTS] name FROM [LOAD] GENERATOR TPCH [(SCALE FACTOR 0.01 [, TICK INTERVAL '1s'])] [FOR ALL TABLES]
 *   CREATE SOURCE [IF NOT EXISTS] name FROM [LOAD] GENERATOR NEXMARK [(EVENTS PER SECOND n, MAX EVENTS n, TICK INTERVAL '100ms')] [FOR ALL TABLES]
 *   CREATE SOURCE [IF NOT EXISTS] name FROM JETSTREAM [STREAM] 'stream' [SUBJECT 'subj'] FORMAT JSON|MSGPACK (col type [NOT NULL], ...)
 *     [KEY (col, ...) ENVELOPE UPSERT|DEBEZIUM | ENVELOPE NONE]
 *   CREATE SINK [IF NOT EXISTS] name FROM obj INTO JETSTREAM [STREAM] 'stream' [SUBJECT 'subj'] [KEY (col, ...)]
 *     FORMAT JSON|MSGPACK ENVELOPE UPSERT|DEBEZIUM
 *   CREATE SOURCE [IF NOT EXISTS] name FROM POSTGRES CONNECTION conn (PUBLICATION 'p') FOR ALL TABLES | FOR TABLES (t [AS n], s.t [AS n], ...)
 *   CREATE SECRET [IF NOT EXISTS] name AS 'value'
 *   CREATE CONNECTION [IF NOT EXISTS] name TO POSTGRES (HOST 'h', PORT n, USER 'u', PASSWORD SECRET s, DATABASE 'd')
 *   CREATE CLUSTER [IF NOT EXISTS] name [(SIZE 'x')]
 *   DROP SOURCE|CLUSTER|TABLE|VIEW|MATERIALIZED VIEW|INDEX|SECRET|CONNECTION [IF EXISTS] name [CASCADE]
 *   SUBSCRIBE [TO] name | (query) [WITH (PROGRESS)] [AS OF n]
 *   SHOW SOURCES|TABLES|VIEWS|MATERIALIZED VIEWS|INDEXES|CLUSTERS|TIMELINES|SECRETS|CONNECTIONS|OBJECTS
 *   SHOW SOURCE STATUSES                       (each source's status and stall reason, from STORAGE)
 *   SHOW SINK STATUSES                         (each sink's status, stall reason and progress, from its actor)
 *   SELECT ... AS OF n                         (the AS OF is removed, the rest goes to libpg-query)
 *   CREATE MATERIALIZED VIEW name IN CLUSTER c AS ...   (IN CLUSTER removed likewise)
 *   CREATE INDEX name ON obj (cols) IN CLUSTER c         (likewise)
 * Anything else returns `undefined` and is parsed by libpg-query.
 */
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import type { ColumnType } from '../../../protocol/types.js';
import { TPCH_MAX_SCALE } from '../../../protocol/storage/tpch.js';
import { NEXMARK_DEFAULT_RATE, NEXMARK_MAX_RATE } from '../../../protocol/storage/nexmark.js';
import { Cursor, tokenize } from './cursor.js';

export type ObjectKind = 'source' | 'sink' | 'cluster' | 'table' | 'view' | 'materialized_view' | 'index' | 'timeline' | 'secret' | 'connection';

/** A PostgreSQL connection's options (CREATE CONNECTION ... TO POSTGRES). */
export interface PostgresConnectionOptions {
  host: string;
  port: number;
  user: string;
  /** The secret holding the password (its name). */
  passwordSecret?: string;
  database: string;
}

export type Extension =
  | { kind: 'create_generator_source'; name: string; ifNotExists: boolean; generator: 'counter' | 'auction' | 'tpch' | 'nexmark'; tickMs: number; scaleFactor?: number; eventsPerSecond?: number; maxEvents?: number; cluster?: string }
  | {
      kind: 'create_jetstream_source';
      name: string;
      ifNotExists: boolean;
      stream: string;
      subject?: string;
      format: 'json' | 'msgpack';
      columns: { name: string; type: ColumnType; nullable: boolean }[];
      envelope?: 'upsert' | 'debezium';
      key?: string[];
    }
  | { kind: 'create_webhook_source'; name: string; ifNotExists: boolean; format: 'json' | 'text'; headers: boolean }
  | {
      kind: 'create_jetstream_sink';
      name: string;
      ifNotExists: boolean;
      from: string;
      stream: string;
      subject?: string;
      key?: string[];
      format: 'json' | 'msgpack';
      envelope: 'upsert' | 'debezium';
    }
  | {
      kind: 'create_postgres_source';
      name: string;
      ifNotExists: boolean;
      connection: string;
      publication: string;
      /** undefined: FOR ALL TABLES; else the tables named (schema optional) and their subsource names. */
      tables?: Array<{ schema?: string; table: string; alias?: string }>;
    }
  /** The value is never part of an error message, a notice or the stored statement. */
  | { kind: 'create_secret'; name: string; ifNotExists: boolean; value: string }
  | { kind: 'create_connection'; name: string; ifNotExists: boolean; postgres: PostgresConnectionOptions }
  | { kind: 'show_source_statuses' }
  | { kind: 'show_sink_statuses' }
  | { kind: 'create_cluster'; name: string; ifNotExists: boolean }
  | { kind: 'drop'; objectKind: ObjectKind; name: string; ifExists: boolean; cascade: boolean }
  | { kind: 'subscribe'; target: { name: string } | { query: string; offset: number }; progress: boolean; asOf?: number }
  | { kind: 'show_objects'; objectKind: ObjectKind | 'object' }
  /** A statement for libpg-query, with extension clauses removed. */
  | { kind: 'rewritten'; text: string; asOf?: number; inCluster?: string };

const TYPE_NAMES: Record<string, ColumnType> = {
  INT: 'int', INTEGER: 'int', INT4: 'int', INT8: 'bigint', BIGINT: 'bigint', INT2: 'smallint', SMALLINT: 'smallint',
  FLOAT: 'float', FLOAT8: 'float', DOUBLE: 'float', NUMERIC: 'numeric', DECIMAL: 'numeric',
  TEXT: 'text', VARCHAR: 'text', STRING: 'text', BOOL: 'bool', BOOLEAN: 'bool', TIMESTAMP: 'timestamp', JSONB: 'jsonb',
};

const SHOW_KINDS: Record<string, ObjectKind | 'object'> = {
  SOURCES: 'source', SINKS: 'sink', TABLES: 'table', VIEWS: 'view', INDEXES: 'index', CLUSTERS: 'cluster', TIMELINES: 'timeline', OBJECTS: 'object',
  SECRETS: 'secret', CONNECTIONS: 'connection',
};

/** Parses `text` if it is one of the extension statements, else returns undefined. */
export function preparse(text: string, offset = 0): Extension | undefined {
  const tokens = tokenize(text, offset);
  const c = new Cursor(tokens, offset + text.length);
  const first = tokens[0];
  if (!first || first.t !== 'word') return undefined;
  switch (first.upper) {
    case 'CREATE':
      return createStatement(text, c, offset);
    case 'DROP':
      return dropStatement(c);
    case 'SUBSCRIBE':
      return subscribeStatement(text, c, offset);
    case 'SHOW':
      return showStatement(c);
    case 'SELECT':
    case 'WITH':
      return asOfRewrite(text, tokens, offset);
    default:
      return undefined;
  }
}

function createStatement(text: string, c: Cursor, offset: number): Extension | undefined {
  c.expectKeywords('CREATE');
  if (c.keywords('SOURCE')) return createSource(c);
  if (c.keywords('SINK')) return createSink(c);
  if (c.keywords('SECRET')) return createSecret(c);
  if (c.keywords('CONNECTION')) return createConnection(c);
  if (c.keywords('CLUSTER')) {
    const ifNotExists = c.keywords('IF', 'NOT', 'EXISTS');
    const name = c.ident('a cluster name');
    if (c.punct('(')) {
      while (!c.punct(')')) {
        if (c.atEnd()) c.fail('expected ")"');
        c.ident('an option name');
        if (c.peek()?.t === 'string') c.string();
        else if (c.peek()?.t === 'number') c.number();
        c.punct(',');
      }
    }
    c.expectEnd();
    return { kind: 'create_cluster', name, ifNotExists };
  }
  return inClusterRewrite(text, offset);
}

function createSink(c: Cursor): Extension {
  const ifNotExists = c.keywords('IF', 'NOT', 'EXISTS');
  const name = c.ident('a sink name');
  if (c.keywords('IN', 'CLUSTER')) c.ident('a cluster name'); // sinks run on storage hosts (docs/sinks.md)
  c.expectKeywords('FROM');
  const from = c.ident('the object the sink reads');
  c.expectKeywords('INTO', 'JETSTREAM');
  c.keywords('STREAM');
  const stream = c.peek()?.t === 'string' ? c.string() : c.ident('a stream name');
  const subject = c.keywords('SUBJECT') ? c.string('a subject') : undefined;
  const key = keyColumns(c);
  c.expectKeywords('FORMAT');
  const format = c.keywords('JSON') ? 'json' : c.keywords('MSGPACK') ? 'msgpack' : c.fail('expected JSON or MSGPACK');
  c.expectKeywords('ENVELOPE');
  const envelope = c.keywords('UPSERT') ? 'upsert' : c.keywords('DEBEZIUM') ? 'debezium' : c.fail('expected UPSERT or DEBEZIUM');
  if (envelope === 'upsert' && !key) throw new SqlError(SqlState.InvalidParameterValue, 'ENVELOPE UPSERT needs KEY (col, ...)');
  c.expectEnd();
  return { kind: 'create_jetstream_sink', name, ifNotExists, from, stream, ...(subject !== undefined ? { subject } : {}), ...(key ? { key } : {}), format, envelope };
}

function createSource(c: Cursor): Extension {
  const ifNotExists = c.keywords('IF', 'NOT', 'EXISTS');
  const name = c.ident('a source name');
  let cluster: string | undefined;
  if (c.keywords('IN', 'CLUSTER')) cluster = c.ident('a cluster name');
  c.expectKeywords('FROM');
  if (c.keywords('WEBHOOK')) {
    // Materialize's: CREATE SOURCE s FROM WEBHOOK BODY FORMAT JSON | TEXT [INCLUDE HEADERS]
    c.expectKeywords('BODY', 'FORMAT');
    const format = c.keywords('JSON') ? 'json' : c.keywords('TEXT') ? 'text' : c.fail('expected JSON or TEXT');
    const headers = c.keywords('INCLUDE', 'HEADERS');
    c.expectEnd();
    return { kind: 'create_webhook_source', name, ifNotExists, format, headers };
  }
  if (c.keywords('POSTGRES')) {
    c.expectKeywords('CONNECTION');
    const connection = c.ident('a connection name');
    c.expectPunct('(');
    c.expectKeywords('PUBLICATION');
    const publication = c.string('a publication name');
    c.expectPunct(')');
    c.expectKeywords('FOR');
    let tables: Array<{ schema?: string; table: string; alias?: string }> | undefined;
    if (!c.keywords('ALL', 'TABLES')) {
      c.expectKeywords('TABLES');
      c.expectPunct('(');
      tables = [];
      do {
        let table = c.ident('a table name');
        let schema: string | undefined;
        if (c.punct('.')) {
          schema = table;
          table = c.ident('a table name');
        }
        const alias = c.keywords('AS') ? c.ident('a subsource name') : undefined;
        tables.push({ table, ...(schema !== undefined ? { schema } : {}), ...(alias !== undefined ? { alias } : {}) });
      } while (c.punct(','));
      c.expectPunct(')');
    }
    c.expectEnd();
    return { kind: 'create_postgres_source', name, ifNotExists, connection, publication, ...(tables ? { tables } : {}) };
  }
  if (c.keywords('JETSTREAM')) {
    c.keywords('STREAM');
    const stream = c.peek()?.t === 'string' ? c.string() : c.ident('a stream name');
    const subject = c.keywords('SUBJECT') ? c.string('a subject') : undefined;
    c.expectKeywords('FORMAT');
    const format = c.keywords('JSON') ? 'json' : c.keywords('MSGPACK') ? 'msgpack' : c.fail('expected JSON or MSGPACK');
    c.expectPunct('(');
    const columns: { name: string; type: ColumnType; nullable: boolean }[] = [];
    do {
      const col = c.ident('a column name');
      const typeTok = c.peek();
      const typeName = typeTok && typeTok.t === 'word' ? typeTok.upper : '';
      const type = TYPE_NAMES[typeName];
      if (!type) c.fail('expected a column type (smallint, int, bigint, float, numeric, text, bool, timestamp, jsonb)');
      c.ident();
      if (typeName === 'DOUBLE') c.keywords('PRECISION');
      const notNull = c.keywords('NOT', 'NULL');
      columns.push({ name: col, type, nullable: !notNull });
    } while (c.punct(','));
    c.expectPunct(')');
    const keyed = jetStreamEnvelope(c, columns.map((col) => col.name));
    c.expectEnd();
    return { kind: 'create_jetstream_source', name, ifNotExists, stream, ...(subject !== undefined ? { subject } : {}), format, columns, ...keyed };
  }
  c.keywords('LOAD');
  c.expectKeywords('GENERATOR');
  const generator = c.keywords('COUNTER') ? 'counter' : c.keywords('AUCTION') ? 'auction' : c.keywords('TPCH') ? 'tpch' : c.keywords('NEXMARK') ? 'nexmark' : c.fail('expected COUNTER, AUCTION, TPCH or NEXMARK');
  let tickMs = generator === 'nexmark' ? 100 : 1000;
  let scaleFactor: number | undefined;
  let eventsPerSecond: number | undefined;
  let maxEvents: number | undefined;
  if (c.punct('(')) {
    do {
      if (generator === 'nexmark' && c.keywords('EVENTS', 'PER', 'SECOND')) {
        eventsPerSecond = c.number('events per second');
        if (!(Number.isInteger(eventsPerSecond) && eventsPerSecond >= 1 && eventsPerSecond <= NEXMARK_MAX_RATE)) throw new SqlError(SqlState.InvalidParameterValue, `EVENTS PER SECOND must be an integer from 1 to ${NEXMARK_MAX_RATE}`);
        continue;
      }
      if (generator === 'nexmark' && c.keywords('MAX', 'EVENTS')) {
        maxEvents = c.number('a number of events');
        if (!(Number.isSafeInteger(maxEvents) && maxEvents >= 1)) throw new SqlError(SqlState.InvalidParameterValue, 'MAX EVENTS must be a positive integer');
        continue;
      }
      if (generator === 'tpch' && c.keywords('SCALE', 'FACTOR')) {
        scaleFactor = c.number('a scale factor');
        if (!(scaleFactor > 0 && scaleFactor <= TPCH_MAX_SCALE)) throw new SqlError(SqlState.InvalidParameterValue, `SCALE FACTOR must be greater than 0 and at most ${TPCH_MAX_SCALE}`);
        continue;
      }
      c.expectKeywords('TICK');
      c.keywords('INTERVAL');
      tickMs = parseInterval(c.string('an interval such as \'100ms\''), c);
    } while (c.punct(','));
    c.expectPunct(')');
  }
  c.keywords('FOR', 'ALL', 'TABLES');
  c.expectEnd();
  return {
    kind: 'create_generator_source', name, ifNotExists, generator, tickMs,
    ...(generator === 'tpch' ? { scaleFactor: scaleFactor ?? 0.01 } : {}),
    ...(generator === 'nexmark' ? { eventsPerSecond: eventsPerSecond ?? NEXMARK_DEFAULT_RATE, ...(maxEvents !== undefined ? { maxEvents } : {}) } : {}),
    ...(cluster !== undefined ? { cluster } : {}),
  };
}

/** `[KEY (col, ...)]`: the names, each once (and, given `names`, each one of them), or undefined without KEY. */
function keyColumns(c: Cursor, names?: string[]): string[] | undefined {
  if (!c.keywords('KEY')) return undefined;
  c.expectPunct('(');
  const key: string[] = [];
  do {
    const col = c.ident('a key column');
    if (names && !names.includes(col)) throw new SqlError(SqlState.UndefinedColumn, `key column "${col}" is not a column of the source`);
    if (key.includes(col)) throw new SqlError(SqlState.DuplicateColumn, `key column "${col}" is named twice`);
    key.push(col);
  } while (c.punct(','));
  c.expectPunct(')');
  return key;
}

/** `[KEY (col, ...)] [ENVELOPE NONE | UPSERT | DEBEZIUM]`: an upsert or Debezium source needs a key of its columns, and only it has one. */
function jetStreamEnvelope(c: Cursor, names: string[]): { envelope?: 'upsert' | 'debezium'; key?: string[] } {
  const key = keyColumns(c, names);
  let envelope: 'none' | 'upsert' | 'debezium' = 'none';
  if (c.keywords('ENVELOPE')) envelope = c.keywords('UPSERT') ? 'upsert' : c.keywords('DEBEZIUM') ? 'debezium' : c.keywords('NONE') ? 'none' : c.fail('expected UPSERT, DEBEZIUM or NONE');
  if (envelope === 'none') {
    if (key) throw new SqlError(SqlState.InvalidParameterValue, 'KEY is only for ENVELOPE UPSERT or ENVELOPE DEBEZIUM');
    return {};
  }
  if (!key) throw new SqlError(SqlState.InvalidParameterValue, `ENVELOPE ${envelope.toUpperCase()} needs KEY (col, ...)`);
  return { envelope, key };
}

/** '100ms', '1s', '2 seconds', '500 milliseconds' -> milliseconds. */
export function parseInterval(s: string, c?: Cursor): number {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|millisecond|milliseconds|s|sec|second|seconds|m|min|minute|minutes)?\s*$/i.exec(s);
  if (!m) {
    if (c) c.fail(`invalid interval '${s}'`);
    throw new SqlError(SqlState.InvalidParameterValue, `invalid interval '${s}'`);
  }
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const ms = unit.startsWith('ms') || unit.startsWith('milli') ? n : unit.startsWith('m') && unit !== 'ms' ? n * 60_000 : n * 1000;
  if (ms < 1 || ms > 3_600_000) throw new SqlError(SqlState.InvalidParameterValue, `interval '${s}' must be between 1ms and 1 hour`);
  return Math.round(ms);
}

const DROP_KINDS: Array<[string, ObjectKind]> = [['SOURCE', 'source'], ['SINK', 'sink'], ['CLUSTER', 'cluster'], ['TABLE', 'table'], ['VIEW', 'view'], ['INDEX', 'index'], ['SECRET', 'secret'], ['CONNECTION', 'connection']];

/** CREATE SECRET name AS 'value': no error names the value (a syntax error right before it says nothing of it). */
function createSecret(c: Cursor): Extension {
  const ifNotExists = c.keywords('IF', 'NOT', 'EXISTS');
  const name = c.ident('a secret name');
  if (!c.keywords('AS')) throw new SqlError(SqlState.SyntaxError, `syntax error: expected CREATE SECRET ${name} AS 'value'`);
  if (c.peek()?.t !== 'string') throw new SqlError(SqlState.SyntaxError, `syntax error: expected the secret's value as a string literal after AS`);
  const value = c.string();
  if (!c.atEnd()) throw new SqlError(SqlState.SyntaxError, `syntax error: unexpected text after the secret's value`);
  return { kind: 'create_secret', name, ifNotExists, value };
}

/** CREATE CONNECTION name TO POSTGRES (HOST 'h', PORT n, USER 'u', PASSWORD SECRET s, DATABASE 'd'). */
function createConnection(c: Cursor): Extension {
  const ifNotExists = c.keywords('IF', 'NOT', 'EXISTS');
  const name = c.ident('a connection name');
  c.expectKeywords('TO', 'POSTGRES');
  c.expectPunct('(');
  const opts: Partial<PostgresConnectionOptions> = {};
  do {
    if (c.keywords('HOST')) opts.host = c.string('a host name');
    else if (c.keywords('PORT')) {
      const port = c.number('a port');
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SqlError(SqlState.InvalidParameterValue, `PORT ${port} is not a TCP port`);
      opts.port = port;
    } else if (c.keywords('USER')) opts.user = c.peek()?.t === 'string' ? c.string() : c.ident('a user name');
    else if (c.keywords('PASSWORD')) {
      if (c.peek()?.t === 'string') throw new SqlError(SqlState.InvalidParameterValue, 'PASSWORD takes a secret: CREATE SECRET s AS \'...\', then PASSWORD SECRET s');
      c.expectKeywords('SECRET');
      opts.passwordSecret = c.ident('a secret name');
    } else if (c.keywords('DATABASE')) opts.database = c.peek()?.t === 'string' ? c.string() : c.ident('a database name');
    else c.fail('expected HOST, PORT, USER, PASSWORD SECRET or DATABASE');
    c.punct('=');
  } while (c.punct(','));
  c.expectPunct(')');
  c.expectEnd();
  if (opts.host === undefined) throw new SqlError(SqlState.InvalidParameterValue, 'a POSTGRES connection needs HOST');
  if (opts.user === undefined) throw new SqlError(SqlState.InvalidParameterValue, 'a POSTGRES connection needs USER');
  if (opts.database === undefined) throw new SqlError(SqlState.InvalidParameterValue, 'a POSTGRES connection needs DATABASE');
  return { kind: 'create_connection', name, ifNotExists, postgres: { host: opts.host, port: opts.port ?? 5432, user: opts.user, database: opts.database, ...(opts.passwordSecret !== undefined ? { passwordSecret: opts.passwordSecret } : {}) } };
}

function dropStatement(c: Cursor): Extension {
  c.expectKeywords('DROP');
  const objectKind: ObjectKind = c.keywords('MATERIALIZED', 'VIEW')
    ? 'materialized_view'
    : (DROP_KINDS.find(([word]) => c.keywords(word))?.[1] ?? c.fail('expected SOURCE, SINK, CLUSTER, TABLE, VIEW, MATERIALIZED VIEW, INDEX, SECRET or CONNECTION'));
  const ifExists = c.keywords('IF', 'EXISTS');
  const name = c.ident();
  const cascade = c.keywords('CASCADE');
  if (!cascade) c.keywords('RESTRICT');
  c.expectEnd();
  return { kind: 'drop', objectKind, name, ifExists, cascade };
}

function subscribeStatement(text: string, c: Cursor, offset: number): Extension {
  c.expectKeywords('SUBSCRIBE');
  c.keywords('TO');
  let target: { name: string } | { query: string; offset: number };
  if (c.punct('(')) {
    const start = c.position();
    let depth = 1;
    while (depth > 0) {
      const t = c.peek();
      if (!t) c.fail('expected ")"');
      if (t.t === 'punct' && t.v === '(') depth++;
      if (t.t === 'punct' && t.v === ')') depth--;
      if (depth > 0) skip(c);
    }
    const end = c.position();
    c.expectPunct(')');
    target = { query: text.slice(start - offset, end - offset), offset: start };
  } else {
    target = { name: c.ident('an object name or a (query)') };
  }
  let progress = false;
  let asOf: number | undefined;
  while (!c.atEnd()) {
    if (c.keywords('WITH')) {
      c.expectPunct('(');
      do {
        c.expectKeywords('PROGRESS');
        progress = true;
        if (c.punct('=')) progress = c.keywords('TRUE') ? true : c.keywords('FALSE') ? false : c.fail('expected TRUE or FALSE');
      } while (c.punct(','));
      c.expectPunct(')');
    } else if (c.keywords('AS', 'OF')) {
      asOf = c.number('a timestamp (milliseconds since the epoch)');
    } else c.fail('expected WITH (PROGRESS) or AS OF');
  }
  return { kind: 'subscribe', target, progress, ...(asOf !== undefined ? { asOf } : {}) };
}

function skip(c: Cursor): void {
  const t = c.peek();
  if (!t) return;
  if (t.t === 'punct') c.punct(t.v);
  else if (t.t === 'string') c.string();
  else if (t.t === 'number') c.number();
  else c.ident();
}

function showStatement(c: Cursor): Extension | undefined {
  c.expectKeywords('SHOW');
  if (c.keywords('MATERIALIZED', 'VIEWS')) {
    c.expectEnd();
    return { kind: 'show_objects', objectKind: 'materialized_view' };
  }
  if (c.keywords('SOURCE', 'STATUSES')) {
    c.expectEnd();
    return { kind: 'show_source_statuses' };
  }
  if (c.keywords('SINK', 'STATUSES')) {
    c.expectEnd();
    return { kind: 'show_sink_statuses' };
  }
  const t = c.peek();
  if (t && t.t === 'word' && SHOW_KINDS[t.upper] && !c.peek(1)) {
    c.ident();
    return { kind: 'show_objects', objectKind: SHOW_KINDS[t.upper]! };
  }
  return undefined;
}

/** `SELECT ... AS OF n`: removes the trailing AS OF clause. */
function asOfRewrite(text: string, tokens: ReturnType<typeof tokenize>, offset: number): Extension | undefined {
  const n = tokens.length;
  const last = tokens[n - 1];
  const as = tokens[n - 3];
  const of = tokens[n - 2];
  if (n >= 4 && last?.t === 'number' && as?.t === 'word' && as.upper === 'AS' && of?.t === 'word' && of.upper === 'OF') {
    return { kind: 'rewritten', text: text.slice(0, as.pos - 1 - offset).trimEnd(), asOf: last.v };
  }
  return undefined;
}

/** `CREATE MATERIALIZED VIEW v IN CLUSTER c AS ...` / `CREATE INDEX ... IN CLUSTER c`: removes IN CLUSTER. */
function inClusterRewrite(text: string, offset: number): Extension | undefined {
  const tokens = tokenize(text, offset);
  for (let i = 0; i + 2 < tokens.length; i++) {
    const a = tokens[i]!;
    const b = tokens[i + 1]!;
    const name = tokens[i + 2]!;
    if (a.t === 'word' && a.upper === 'IN' && b.t === 'word' && b.upper === 'CLUSTER' && (name.t === 'word' || name.t === 'quoted')) {
      const start = a.pos - 1 - offset;
      const end = i + 3 < tokens.length ? tokens[i + 3]!.pos - 1 - offset : text.length;
      return { kind: 'rewritten', text: (text.slice(0, start).trimEnd() + ' ' + text.slice(end).trimStart()).trim(), inCluster: name.v };
    }
  }
  return undefined;
}
