/**
 * Executes SQL for a session: splits the text into statements, runs the pre-parser and
 * libpg-query, and dispatches each statement to its handler (DDL in ddl.ts, writes through group
 * commit, SELECT through an index peek (reads.ts) or a transient dataflow (transient.ts), SHOW, SET). Statements run in
 * order; the first error stops the rest (earlier statements stay done, as in Postgres' simple
 * query protocol without a transaction). Catalog changes and UPDATE/DELETE run one at a time.
 */
import type { Node, SelectStmt, VariableSetStmt } from 'libpg-query';
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import type { StatementResult } from '../../protocol/control/response.js';
import { evaluatePlanWithErrors } from '../../protocol/compute/reference.js';
import type { Row } from '../../protocol/types.js';
import { kindLabel, type ObjectKind } from './catalog.js';
import { aliasesOf, createCluster, createIndex, createSource, createTable, createView, dropObject } from './ddl.js';
import { createWebhookSource } from './webhook/webhook-source.js';
import { createSink, showSinkStatuses } from './sink-ddl.js';
import { createConnection, createPostgresSource, createSecret, showSourceStatuses } from './postgres-source.js';
import { DEFAULT_SETTINGS, type ControlDeps, type Settings } from './deps.js';
import { evaluationError, type Isolation, type ReadRequest, type ReadSource } from './reads.js';
import { dataflowInputOf, readSourceOf, resolverFor } from './resolve.js';
import { computeTransient } from './transient.js';
import type { PreparedSelect } from './plan-cache.js';
import type { Plan } from '../../protocol/compute/plan.js';
import { keyLookup } from './key-lookup.js';
import { linearBase, pushIntoIndexes } from './index-pushdown.js';
import { boundSelect, type BoundParameters } from './param-plan.js';
import {
  applyFinishing,
  checkNotNull,
  parseStatements,
  planDelete,
  planInsert,
  planQuery,
  planUpdate,
  preparse,
  splitStatements,
  SqlSource,
  type Extension,
  type PlannedWrite,
} from './sql/index.js';

/** How one statement runs inside a pgwire transaction block (pgwire/transaction.ts). */
export interface StatementOptions {
  /** A SELECT without its own AS OF reads at this timestamp (a read-only transaction's). */
  asOf?: number;
  /** The text with `$n` and the bound values, when pgwire's Bind made the text: its plan may come from a template (param-plan.ts). */
  bound?: BoundParameters;
}

const DROP_TAGS: Record<string, string> = {
  table: 'DROP TABLE', source: 'DROP SOURCE', sink: 'DROP SINK', view: 'DROP VIEW', materialized_view: 'DROP MATERIALIZED VIEW',
  index: 'DROP INDEX', cluster: 'DROP CLUSTER', timeline: 'DROP TIMELINE', secret: 'DROP SECRET', connection: 'DROP CONNECTION',
};

/** Runs every statement of `sql`; `settings` is the session's, changed in place by SET. */
export async function executeSql(deps: ControlDeps, sql: string, settings: Settings): Promise<StatementResult[]> {
  const results: StatementResult[] = [];
  for (const stmt of splitStatements(sql)) results.push(await executeStatement(deps, stmt.text, stmt.offset, settings));
  return results;
}

/** Runs one statement of a longer text (`offset`: where it starts in that text, for error positions). */
export async function executeStatement(deps: ControlDeps, text: string, offset: number, settings: Settings, options: StatementOptions = {}): Promise<StatementResult> {
  if (options.bound) {
    // Before the pre-parser: a template is only made for a text it leaves alone (param-plan.ts).
    const bound = boundSelect(deps, options.bound, text, (t) => planSelectText(deps, t, offset));
    if (bound) return select(deps, bound, settings, options.asOf);
  }
  const ext = preparse(text, offset);
  if (ext && ext.kind !== 'rewritten') return executeExtension(deps, ext, text, settings);
  const body = ext?.kind === 'rewritten' ? ext.text : text;
  const asOf = (ext?.kind === 'rewritten' ? ext.asOf : undefined) ?? options.asOf;
  const cached = deps.plans.get(body, deps.catalog.generation);
  if (cached) return select(deps, cached, settings, asOf);
  const source = new SqlSource(body, offset);
  const nodes = parseStatements(body, offset);
  if (nodes.length !== 1) throw new SqlError(SqlState.SyntaxError, 'expected one statement', { position: offset + 1 });
  const node = nodes[0]!;
  const cluster = (ext?.kind === 'rewritten' ? ext.inCluster : undefined) ?? settings['cluster'] ?? 'default';
  if ('SelectStmt' in node) return select(deps, prepareSelect(deps, node.SelectStmt, source, body), settings, asOf);
  if (asOf !== undefined) throw new SqlError(SqlState.FeatureNotSupported, 'AS OF is supported only on SELECT and SUBSCRIBE');
  if ('InsertStmt' in node) return write(deps, planInsert(node.InsertStmt, resolverFor(deps.catalog, { useIndexes: false }), { text: body, offset }), settings);
  if ('UpdateStmt' in node) return deps.serialize(async () => write(deps, planUpdate(node.UpdateStmt, resolverFor(deps.catalog, { useIndexes: false }), { text: body, offset }), settings));
  if ('DeleteStmt' in node) return deps.serialize(async () => write(deps, planDelete(node.DeleteStmt, resolverFor(deps.catalog, { useIndexes: false }), { text: body, offset }), settings));
  if ('CreateStmt' in node) return ddl(deps, 'CREATE TABLE', () => createTable(deps, node.CreateStmt, text, source));
  if ('ViewStmt' in node) {
    const v = node.ViewStmt;
    if (v.replace) throw new SqlError(SqlState.FeatureNotSupported, 'CREATE OR REPLACE VIEW is not supported');
    const name = v.view?.relname ?? '';
    return ddl(deps, 'CREATE VIEW', () => createView(deps, { name, query: queryText(body), aliases: aliasesOf(v.aliases), materialized: false, ifNotExists: false, cluster }, text));
  }
  if ('CreateTableAsStmt' in node && node.CreateTableAsStmt.objtype === 'OBJECT_MATVIEW') {
    const c = node.CreateTableAsStmt;
    const name = c.into?.rel?.relname ?? '';
    const args = { name, query: queryText(body), aliases: aliasesOf(c.into?.colNames), materialized: true, ifNotExists: c.if_not_exists ?? false, cluster };
    return ddl(deps, 'CREATE MATERIALIZED VIEW', () => createView(deps, args, text));
  }
  if ('IndexStmt' in node) return ddl(deps, 'CREATE INDEX', () => createIndex(deps, node.IndexStmt, text, cluster));
  if ('VariableSetStmt' in node) return set(deps, node.VariableSetStmt, settings);
  if ('VariableShowStmt' in node) return show(node.VariableShowStmt.name ?? '', settings);
  throw new SqlError(SqlState.FeatureNotSupported, `${Object.keys(node)[0] ?? 'this statement'} is not supported`, { position: offset + 1 });
}

async function executeExtension(deps: ControlDeps, ext: Exclude<Extension, { kind: 'rewritten' }>, text: string, settings: Settings): Promise<StatementResult> {
  switch (ext.kind) {
    case 'create_generator_source':
    case 'create_jetstream_source':
      return ddl(deps, 'CREATE SOURCE', () => createSource(deps, ext, text));
    case 'create_webhook_source':
      return ddl(deps, 'CREATE SOURCE', () => createWebhookSource(deps, ext, text));
    case 'create_jetstream_sink':
      return ddl(deps, 'CREATE SINK', () => createSink(deps, ext, text));
    case 'create_postgres_source':
      return ddl(deps, 'CREATE SOURCE', () => createPostgresSource(deps, ext, text));
    case 'create_secret':
      return ddl(deps, 'CREATE SECRET', () => createSecret(deps, ext));
    case 'create_connection':
      return ddl(deps, 'CREATE CONNECTION', () => createConnection(deps, ext, text));
    case 'show_source_statuses':
      return showSourceStatuses(deps);
    case 'show_sink_statuses':
      return showSinkStatuses(deps);
    case 'create_cluster':
      return ddl(deps, 'CREATE CLUSTER', () => createCluster(deps, ext.name, ext.ifNotExists, text));
    case 'drop':
      return ddl(deps, DROP_TAGS[ext.objectKind] ?? 'DROP', () => dropObject(deps, ext));
    case 'show_objects':
      return showObjects(deps, ext.objectKind);
    case 'subscribe':
      throw new SqlError(SqlState.FeatureNotSupported, 'SUBSCRIBE streams rows: send it in a Subscribe request, not in Execute', {
        hint: 'see protocol/control/README.md (Subscribe); `definite sql` does this for you',
      });
    default:
      return assertNever(ext);
  }
}

async function ddl(deps: ControlDeps, tag: string, run: () => Promise<string>): Promise<StatementResult> {
  const notice = await deps.serialize(run);
  return notice ? { tag, notices: [notice] } : { tag };
}

/** The query of `CREATE [MATERIALIZED] VIEW ... AS query`, as the user wrote it. */
function queryText(statement: string): string {
  const m = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"(?:[^"]|"")*"|[^\s(]+)\s*(?:\([^)]*\))?\s*AS\s+/i.exec(statement);
  if (!m) throw new SqlError(SqlState.SyntaxError, 'expected CREATE [MATERIALIZED] VIEW name [(columns)] AS query');
  return statement.slice(m[0].length);
}

function isolationOf(settings: Settings): Isolation {
  return settings['transaction_isolation'] === 'serializable' ? 'serializable' : 'strict serializable';
}

/** Where each input of a plan is read from (an index, or its STORAGE collection). */
function readSources(deps: ControlDeps, inputs: Array<{ name: string; id: string }>): Map<string, ReadSource> {
  return new Map(inputs.map((i) => [i.name, readSourceOf(deps.catalog, i.id)]));
}

/** Reads a plan's inputs at the chosen timestamp and evaluates the plan over them. */
async function evaluate(
  deps: ControlDeps,
  plan: Parameters<typeof evaluatePlanWithErrors>[0],
  sources: Map<string, ReadSource>,
  settings: Settings,
  asOf?: number,
): Promise<{ ts: number; rows: Array<[Row, number]> }> {
  // each index is read by peeks carrying the filters over it (index-pushdown.ts)
  const pushed = pushIntoIndexes(plan, sources);
  const { ts, data } = await deps.reader.read(readRequest(sources, settings, asOf), pushed.peeks);
  // A temporal filter (mz_now()) sees the read timestamp.
  const { rows, errors } = evaluatePlanWithErrors(pushed.plan, data, { time: ts });
  if (errors.length > 0) throw evaluationError(errors[0]![0]);
  return { ts, rows };
}

/**
 * SELECT, by where its answer already is (as Materialize's fast paths; the route is chosen once,
 * in prepareSelect): a filter, map or projection of one index runs in that index's peek; over
 * indexes only (or no inputs at all) it peeks the indexes and evaluates the rest here; a filter, map or projection
 * of one collection (a table, source or materialized view) reads that collection's snapshot from
 * STORAGE and evaluates here (the "persist fast path"); anything else (joins, aggregates, ...)
 * runs as a transient dataflow on the session's cluster.
 */
async function select(deps: ControlDeps, prepared: PreparedSelect, settings: Settings, asOf?: number): Promise<StatementResult> {
  const { ts, rows } =
    prepared.route === 'peek'
      ? await peekSelect(deps, prepared, settings, asOf)
      : prepared.route === 'evaluate' || (await smallCollections(deps, prepared.sources, Number(settings['small_read_updates'] ?? 0)))
        ? await evaluate(deps, prepared.plan, prepared.sources, settings, asOf)
        : await transientSelect(deps, prepared.plan, prepared.inputs, settings, asOf);
  const out = applyFinishing(rows, prepared.finishing);
  return { tag: `SELECT ${out.length}`, columns: prepared.columns, rows: out, timestamp: ts };
}

/**
 * Whether a SELECT bound for a transient dataflow reads only collections small enough to read
 * whole and evaluate here: `bound` stored updates in all (the setting small_read_updates; 0: never). Building,
 * hydrating and dropping a dataflow on a cluster costs about 10 ms however small its inputs; a
 * count over a small materialized view took that, 22 of them in one SELECT 110 ms (TPC-H's
 * refresh bench). Above the bound the work stays off the environment process, on the cluster.
 */
async function smallCollections(deps: ControlDeps, sources: Map<string, ReadSource>, bound: number): Promise<boolean> {
  if (!(bound > 0) || sources.size === 0) return false;
  const collections: string[] = [];
  for (const s of sources.values()) {
    if (!('collection' in s)) return false;
    collections.push(s.collection);
  }
  try {
    const summaries = await Promise.all(collections.map((c) => deps.storage.describe(c)));
    return summaries.reduce((n, c) => n + c.updates, 0) <= bound;
  } catch {
    return false; // the transient route reports what is wrong
  }
}

/** Plans a SELECT and decides where it runs; keeps the result for the next time `body` comes. */
function prepareSelect(deps: ControlDeps, stmt: SelectStmt, source: SqlSource, body: string): PreparedSelect {
  const generation = deps.catalog.generation;
  const prepared = planSelect(deps, stmt, source);
  deps.plans.set(body, generation, prepared);
  return prepared;
}

/** A SELECT text planned as prepareSelect plans it, not cached; undefined for any other statement or one the pre-parser changes. */
function planSelectText(deps: ControlDeps, text: string, offset: number): PreparedSelect | undefined {
  if (preparse(text, offset)) return undefined;
  const nodes = parseStatements(text, offset);
  const node = nodes[0];
  if (nodes.length !== 1 || !node || !('SelectStmt' in node)) return undefined;
  return planSelect(deps, node.SelectStmt, new SqlSource(text, offset));
}

/** Plans a SELECT and decides where it runs (the route and a key lookup, if any). */
function planSelect(deps: ControlDeps, stmt: SelectStmt, source: SqlSource): PreparedSelect {
  const planned = planQuery(stmt, resolverFor(deps.catalog, { useIndexes: true, system: true }), { text: source.text, offset: source.offset });
  const sources = readSources(deps, planned.inputs);
  const indexesOnly = [...sources.values()].every((s) => 'index' in s);
  // only filters, maps and projects its one input: no state, no work worth a dataflow
  const linearOfOne = sources.size === 1 && linearBase(planned.plan) !== undefined;
  const route = indexesOnly && linearOfOne ? 'peek' : indexesOnly || linearOfOne ? 'evaluate' : 'transient';
  const columns = planned.columns.map((c) => ({ name: c.name, type: c.type }));
  const [only] = sources.values();
  const lookup = route === 'peek' && only && 'index' in only && only.index.keys ? keyLookup(planned.plan, only.index.keys, only.index.keyTypes!) : undefined;
  return { plan: planned.plan, inputs: planned.inputs, sources, columns, finishing: planned.finishing, route, ...(lookup ? { lookup } : {}) };
}

/**
 * A filter, map or projection of one index: it runs in the peek, on the cluster, where the rows
 * are, and only the answer travels (Materialize's peek with a map-filter-project).
 */
async function peekSelect(deps: ControlDeps, prepared: PreparedSelect, settings: Settings, asOf?: number): Promise<{ ts: number; rows: Array<[Row, number]> }> {
  const [source] = prepared.sources.values();
  if (!source || !('index' in source)) throw new Error('peekSelect: not a plan over one index');
  const { ts, value: rows } = await deps.reader.atTimestamp(readRequest(prepared.sources, settings, asOf), (ts) => deps.reader.peek(source.index, ts, 0, prepared.plan, prepared.lookup));
  return { ts, rows };
}

function readRequest(inputs: Map<string, ReadSource>, settings: Settings, asOf: number | undefined): ReadRequest {
  return { inputs, isolation: isolationOf(settings), ...(asOf !== undefined ? { asOf } : {}) };
}


async function transientSelect(
  deps: ControlDeps,
  plan: Plan,
  inputs: Array<{ name: string; id: string }>,
  settings: Settings,
  asOf?: number,
): Promise<{ ts: number; rows: Array<[Row, number]> }> {
  const collections = inputs.map((i) => dataflowInputOf(deps.catalog, i.name, i.id));
  const cluster = deps.catalog.resolve(settings['cluster'] ?? 'default', 'cluster');
  const request = readRequest(new Map(collections.map((c) => [c.name, { collection: c.collection }])), settings, asOf);
  const { ts, value: rows } = await deps.reader.atTimestamp(request, (ts) => computeTransient(deps, cluster.id, plan, collections, ts));
  return { ts, rows };
}

/** A write's changes, evaluated and checked but not committed. */
export interface WriteRows {
  collection: string;
  rows: Array<[Row, number]>;
  tag: string;
}

/**
 * A plain INSERT / UPDATE / DELETE parsed and resolved against the catalog, not evaluated, for a
 * pgwire implicit transaction (pgwire/implicit.ts); undefined for any other statement (including
 * one of definite's extensions), which the caller runs as usual. Errors are the planner's.
 */
export function planWriteStatement(deps: ControlDeps, text: string, offset: number): PlannedWrite | undefined {
  if (preparse(text, offset)) return undefined;
  const nodes = parseStatements(text, offset);
  const node = nodes[0];
  if (nodes.length !== 1 || !node) return undefined;
  const resolver = resolverFor(deps.catalog, { useIndexes: false });
  if ('InsertStmt' in node) return planInsert(node.InsertStmt, resolver, { text, offset });
  if ('UpdateStmt' in node) return planUpdate(node.UpdateStmt, resolver, { text, offset });
  if ('DeleteStmt' in node) return planDelete(node.DeleteStmt, resolver, { text, offset });
  return undefined;
}

/** A planned write's changes, evaluated (reads at a strict serializable timestamp) and checked, not committed. */
export async function writeRows(deps: ControlDeps, planned: PlannedWrite, settings: Settings): Promise<WriteRows> {
  const { rows } = await evaluate(deps, planned.plan, readSources(deps, planned.inputs), { ...settings, transaction_isolation: 'strict serializable' });
  checkNotNull(planned.table.columns, rows.filter(([, d]) => d > 0).map(([r]) => r));
  const collection = deps.catalog.get(planned.table.id)?.collection;
  if (!collection) throw new SqlError(SqlState.UndefinedTable, `table "${planned.table.name}" was dropped`);
  const inserted = rows.reduce((n, [, d]) => n + Math.max(d, 0), 0);
  const deleted = rows.reduce((n, [, d]) => n + Math.max(-d, 0), 0);
  const tag = planned.kind === 'insert' ? `INSERT 0 ${inserted}` : planned.kind === 'delete' ? `DELETE ${deleted}` : `UPDATE ${inserted}`;
  return { collection, rows, tag };
}

async function write(deps: ControlDeps, planned: PlannedWrite, settings: Settings): Promise<StatementResult> {
  const { collection, rows, tag } = await writeRows(deps, planned, settings);
  const ts = rows.length > 0 ? await deps.commits.write(new Map([[collection, rows]])) : undefined;
  return ts === undefined ? { tag } : { tag, timestamp: ts };
}

/**
 * An INSERT evaluated (types, NOT NULL) but not committed, for a write-only transaction block,
 * which commits every buffered INSERT at once at COMMIT. An INSERT ... SELECT that reads a
 * relation is refused (25000), as Materialize refuses reads in a write transaction.
 */
export async function planBufferedInsert(deps: ControlDeps, text: string, offset: number, settings: Settings): Promise<WriteRows> {
  const nodes = parseStatements(text, offset);
  const node = nodes[0];
  if (nodes.length !== 1 || !node || !('InsertStmt' in node)) throw new SqlError(SqlState.SyntaxError, 'expected one INSERT statement', { position: offset + 1 });
  const planned = planInsert(node.InsertStmt, resolverFor(deps.catalog, { useIndexes: false }), { text, offset });
  if (planned.inputs.length > 0) throw new SqlError('25000', 'transactions which modify objects are restricted to just modifying objects', { hint: 'INSERT ... SELECT reads: run it outside the transaction block' });
  return writeRows(deps, planned, settings);
}

const SHOW_KINDS: Array<ObjectKind> = ['table', 'source', 'sink', 'view', 'materialized_view', 'index', 'cluster'];

function showObjects(deps: ControlDeps, kind: ObjectKind | 'object'): StatementResult {
  const items = deps.catalog.all().filter((i) => (kind === 'object' ? SHOW_KINDS.includes(i.kind) && i.kind !== 'cluster' : i.kind === kind));
  if (kind === 'timeline') {
    return { tag: 'SELECT 1', columns: [{ name: 'name', type: 'text' }], rows: [['main']] };
  }
  const rows = items
    .map((i) => [i.name, kindLabel(i.kind), i.cluster ? (deps.catalog.get(i.cluster)?.name ?? null) : null])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return { tag: `SELECT ${rows.length}`, columns: [{ name: 'name', type: 'text' }, { name: 'type', type: 'text' }, { name: 'cluster', type: 'text' }], rows };
}

/** Validates and applies `SET name = value` / `RESET name`. */
function set(deps: ControlDeps, stmt: VariableSetStmt, settings: Settings): StatementResult {
  const name = (stmt.name ?? '').toLowerCase();
  if (stmt.kind === 'VAR_RESET' || stmt.kind === 'VAR_SET_DEFAULT') {
    checkSettingName(name);
    settings[name] = DEFAULT_SETTINGS[name]!;
    return { tag: stmt.kind === 'VAR_RESET' ? 'RESET' : 'SET' };
  }
  if (stmt.kind !== 'VAR_SET_VALUE') throw new SqlError(SqlState.FeatureNotSupported, `this form of SET is not supported`);
  const values = (stmt.args ?? []).map(constantText);
  if (values.length !== 1) throw new SqlError(SqlState.InvalidParameterValue, `SET ${name} takes one value`);
  settings[name] = validateSetting(deps, name, values[0]!);
  return { tag: 'SET' };
}

function constantText(node: Node): string {
  if ('A_Const' in node) {
    const c = node.A_Const;
    if (c.sval) return c.sval.sval ?? '';
    if (c.ival) return String(c.ival.ival ?? 0);
    if (c.fval) return String(c.fval.fval ?? '');
    if (c.boolval) return String(c.boolval.boolval ?? false);
  }
  throw new SqlError(SqlState.InvalidParameterValue, 'SET takes a constant value');
}

function checkSettingName(name: string): void {
  if (!(name in DEFAULT_SETTINGS)) throw new SqlError(SqlState.UndefinedObject, `unrecognized configuration parameter "${name}"`, { hint: `known: ${Object.keys(DEFAULT_SETTINGS).join(', ')}` });
}

/** A setting's value after validation (InvalidParameterValue / UndefinedObject otherwise). */
export function validateSetting(deps: ControlDeps, name: string, value: string): string {
  checkSettingName(name);
  switch (name) {
    case 'cluster':
      deps.catalog.resolve(value, 'cluster');
      return value;
    case 'timeline':
      if (value !== 'main') throw new SqlError(SqlState.InvalidParameterValue, `unknown timeline "${value}"`, { hint: 'the only timeline is "main"' });
      return value;
    case 'transaction_isolation': {
      const v = value.toLowerCase();
      if (v !== 'strict serializable' && v !== 'serializable') throw new SqlError(SqlState.InvalidParameterValue, `invalid transaction_isolation "${value}"`, { hint: "use 'strict serializable' or 'serializable'" });
      return v;
    }
    case 'small_read_updates': {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < 0) throw new SqlError(SqlState.InvalidParameterValue, `invalid small_read_updates "${value}": a number of updates, 0 or more`);
      return String(n);
    }
    case 'idle_timeout': {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0 || n > 86_400) throw new SqlError(SqlState.InvalidParameterValue, `invalid idle_timeout "${value}": seconds between 0 and 86400`);
      return String(n);
    }
    default:
      return value;
  }
}

function show(name: string, settings: Settings): StatementResult {
  const n = name.toLowerCase();
  if (n === 'all') {
    const rows = Object.keys(DEFAULT_SETTINGS).map((k) => [k, settings[k] ?? DEFAULT_SETTINGS[k]!]);
    return { tag: `SELECT ${rows.length}`, columns: [{ name: 'name', type: 'text' }, { name: 'setting', type: 'text' }], rows };
  }
  checkSettingName(n);
  return { tag: 'SELECT 1', columns: [{ name: n, type: 'text' }], rows: [[settings[n] ?? DEFAULT_SETTINGS[n]!]] };
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}
