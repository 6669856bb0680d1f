/**
 * DDL: CREATE / DROP of tables, sources, views, materialized views, indexes and clusters.
 * Each is recorded in the catalog and carried out through the STORAGE controller (collections)
 * and the compute controller (clusters, dataflows). Order: the external object is created first
 * (idempotent: CreateSource / CreateCluster / InstallDataflow with the same id are no-ops when
 * repeated), then the catalog item is written, so a crash in between leaves at most an unused
 * object under a never-reused id, never a catalog item without its data. DROP removes the catalog
 * item first, then the external objects.
 */
import type { CreateStmt, IndexStmt, Node } from 'libpg-query';
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import { GENERATOR_SCHEMAS, type GeneratorSource } from '../../protocol/storage/source.js';
import { TPCH_SCHEMAS, TPCH_TABLES, tpchOffsets } from '../../protocol/storage/tpch.js';
import { NEXMARK_DEFAULT_RATE, NEXMARK_SCHEMAS, NEXMARK_TABLES } from '../../protocol/storage/nexmark.js';
import type { Column } from '../../protocol/types.js';
import type { Plan } from '../../protocol/compute/plan.js';
import { kindLabel, ownNamespace, type CatalogItem, type ObjectKind } from './catalog.js';
import type { ControlDeps } from './deps.js';
import { untilSinceHolds } from './reads.js';
import { dataflowInputOf, resolverFor } from './resolve.js';
import { withErrorColumn } from '../../protocol/error-column.js';
import { planQueryText, SqlSource, type Extension } from './sql/index.js';
import { PlanContext } from './sql/context.js';
import { columnTypeOf, typmodOf } from './sql/casts.js';

const DEPENDENT_OBJECTS_STILL_EXIST = '2BP01';

/** Waits until a freshly created collection answers (its actor has started). */
export async function waitForCollection(deps: ControlDeps, collection: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await deps.storage.describe(collection, 2000)).upper;
    } catch (err) {
      if (attempt > 300) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Runs an idempotent request to STORAGE or COMPUTE, retrying while the process that answers it is
 * still starting (NoResponders / Unavailable), e.g. the first statements right after `up`.
 */
export async function whenAvailable<T>(fn: () => Promise<T>, waitMs = DEFAULT_DDL_WAIT_MS): Promise<T> {
  // A deadline, not a count of attempts: a Timeout attempt itself lasts up to 30 s, and 600 of
  // them held the DDL lock (and so every later DDL) for hours (issue #18).
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (Date.now() >= deadline || (code !== 'NoResponders' && code !== 'Unavailable' && code !== 'Timeout')) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * How long one DDL statement waits for what it created to answer (a collection to start, a
 * materialized view's contents to become durable) before it gives up: DDL runs one statement at a
 * time, so an unbounded wait would block every later DDL statement.
 */
export const DEFAULT_DDL_WAIT_MS = 60_000;

/**
 * Waits until `collection`'s upper passes `ts` (everything at `ts` is durable), polling its
 * frontiers, for at most `waitMs`; then a `57014` SqlError (the caller undoes what it created).
 */
async function untilSealed(deps: ControlDeps, collection: string, ts: number, waitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + waitMs;
  let upper = -1;
  for (;;) {
    try {
      upper = (await deps.storage.describe(collection, Math.max(1, Math.min(2000, deadline - Date.now())))).upper;
      if (upper > ts) return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'NoResponders' && code !== 'Unavailable' && code !== 'Timeout') throw err;
    }
    if (Date.now() >= deadline) {
      throw new SqlError(SqlState.QueryCanceled, `${what} did not become readable within ${waitMs} ms: its collection's upper (${upper}) did not pass its as-of ${ts}; nothing was created`, {
        hint: 'The dataflow computing it is not making progress (is its cluster running?).',
      });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function duplicate(kind: ObjectKind, name: string): SqlError {
  return new SqlError(kind === 'table' ? SqlState.DuplicateTable : SqlState.DuplicateObject, `${kindLabel(kind)} "${name}" already exists`);
}

/** True when the name is taken: IF NOT EXISTS then answers with a notice, otherwise it is an error. */
export function taken(deps: ControlDeps, kind: ObjectKind, name: string, ifNotExists: boolean): boolean {
  const ns: ObjectKind = ownNamespace(kind) ? kind : 'table';
  if (!deps.catalog.exists(ns, name)) return false;
  if (ifNotExists) return true;
  const existing = deps.catalog.find(name, ns === 'table' ? undefined : ns);
  throw duplicate(existing?.kind ?? kind, name);
}

export async function createTable(deps: ControlDeps, stmt: CreateStmt, sql: string, source: SqlSource): Promise<string> {
  const name = stmt.relation?.relname ?? '';
  if (taken(deps, 'table', name, stmt.if_not_exists ?? false)) return `relation "${name}" already exists, skipping`;
  const ctx = new PlanContext(() => undefined, source);
  const columns: Column[] = [];
  for (const elt of stmt.tableElts ?? []) {
    if (!('ColumnDef' in elt)) throw new SqlError(SqlState.FeatureNotSupported, 'only column definitions are supported in CREATE TABLE (no table constraints)');
    const def = elt.ColumnDef;
    const colname = def.colname ?? '';
    if (columns.some((c) => c.name === colname)) throw new SqlError('42701', `column "${colname}" specified more than once`);
    const notNull = (def.constraints ?? []).some((c) => 'Constraint' in c && (c.Constraint.contype === 'CONSTR_NOTNULL' || c.Constraint.contype === 'CONSTR_PRIMARY'));
    const mod = typmodOf(def.typeName, ctx);
    columns.push({ name: colname, type: columnTypeOf(def.typeName, ctx), nullable: !notNull, ...(mod ?? {}) });
  }
  if (columns.length === 0) throw new SqlError(SqlState.FeatureNotSupported, 'a table needs at least one column');
  const id = await deps.catalog.allocateId();
  await whenAvailable(() => deps.storage.createSource(id, { kind: 'table', schema: columns, txns: true }));
  await waitForCollection(deps, id);
  await deps.catalog.create(item({ id, name, kind: 'table', columns, sql, collection: id }));
  return '';
}

export async function createSource(deps: ControlDeps, ext: Extract<Extension, { kind: 'create_generator_source' | 'create_jetstream_source' }>, sql: string): Promise<string> {
  if (taken(deps, 'source', ext.name, ext.ifNotExists)) return `source "${ext.name}" already exists, skipping`;
  if (ext.kind === 'create_jetstream_source') {
    const id = await deps.catalog.allocateId();
    await whenAvailable(() => deps.storage.createSource(id, {
      kind: 'jetstream', stream: ext.stream, format: ext.format, schema: ext.columns,
      ...(ext.subject ? { filterSubject: ext.subject } : {}),
      ...(ext.envelope ? { envelope: ext.envelope, key: ext.key } : {}),
    }));
    await waitForCollection(deps, id);
    await deps.catalog.create(item({ id, name: ext.name, kind: 'source', columns: ext.columns, sql, collection: id, source: { kind: 'jetstream', stream: ext.stream } }));
    return '';
  }
  if (ext.generator === 'counter') {
    const id = await deps.catalog.allocateId();
    const schema = [...GENERATOR_SCHEMAS.counter];
    await whenAvailable(() => deps.storage.createSource(id, { kind: 'generator', generator: 'counter', tickMs: ext.tickMs, schema }));
    await waitForCollection(deps, id);
    await deps.catalog.create(item({ id, name: ext.name, kind: 'source', columns: schema, sql, collection: id, source: { kind: 'generator', generator: 'counter' } }));
    return '';
  }
  // AUCTION, TPCH and NEXMARK: like Materialize, the source itself holds no rows; its subsources
  // do (`auctions` and `bids`; the eight TPC-H tables; person, auction, bid).
  const generator = ext.generator;
  const outputs: Array<{ output: NonNullable<GeneratorSource['output']>; schema: Column[]; maxOffsets?: number }> =
    generator === 'auction'
      ? (['auctions', 'bids'] as const).map((output) => ({ output, schema: [...GENERATOR_SCHEMAS[output]] }))
      : generator === 'nexmark'
        ? NEXMARK_TABLES.map((output) => ({ output, schema: [...NEXMARK_SCHEMAS[output]], ...(ext.maxEvents !== undefined ? { maxOffsets: ext.maxEvents } : {}) }))
        : TPCH_TABLES.map((output) => ({ output, schema: [...TPCH_SCHEMAS[output]], maxOffsets: tpchOffsets(output, ext.scaleFactor ?? 0.01) }));
  for (const { output } of outputs) if (deps.catalog.exists('table', output)) throw duplicate(deps.catalog.find(output)!.kind, output);
  const parent = await deps.catalog.allocateId();
  const subsources: string[] = [];
  for (const { output, schema, maxOffsets } of outputs) {
    const id = await deps.catalog.allocateId();
    // A TPC-H table is written whole in one step (at most 100,000 offsets per step), then stays.
    // Nexmark's three tables step through the same events at the rate asked for (per tick).
    const settings =
      generator === 'nexmark'
        ? { perTick: Math.max(1, Math.round(((ext.eventsPerSecond ?? NEXMARK_DEFAULT_RATE) * ext.tickMs) / 1000)), ...(maxOffsets !== undefined ? { maxOffsets } : {}) }
        : maxOffsets === undefined
          ? {}
          : { scaleFactor: ext.scaleFactor ?? 0.01, maxOffsets, perTick: Math.min(maxOffsets, 100_000) };
    await whenAvailable(() => deps.storage.createSource(id, { kind: 'generator', generator, output, tickMs: ext.tickMs, schema, ...settings }));
    await waitForCollection(deps, id);
    await deps.catalog.create(item({ id, name: output, kind: 'source', columns: schema, sql, collection: id, dependsOn: [], source: { kind: 'generator', generator, output, parent } }));
    subsources.push(id);
  }
  await deps.catalog.create(item({ id: parent, name: ext.name, kind: 'source', columns: [], sql, source: { kind: 'generator', generator, subsources } }));
  return '';
}

/** CREATE [MATERIALIZED] VIEW name [(cols)] AS query. */
export async function createView(
  deps: ControlDeps,
  args: { name: string; query: string; aliases: string[]; materialized: boolean; ifNotExists: boolean; cluster: string },
  sql: string,
): Promise<string> {
  const kind: ObjectKind = args.materialized ? 'materialized_view' : 'view';
  if (taken(deps, kind, args.name, args.ifNotExists)) return `${kindLabel(kind)} "${args.name}" already exists, skipping`;
  const planned = planQueryText(args.query, resolverFor(deps.catalog, { useIndexes: false }), { mode: 'maintained' });
  if (args.aliases.length > planned.columns.length) throw new SqlError(SqlState.SyntaxError, `CREATE VIEW specifies more column names than columns`);
  const columns = planned.columns.map((c, i) => ({ ...c, name: args.aliases[i] ?? c.name }));
  const dependsOn = planned.inputs.map((i) => i.id);
  if (!args.materialized) {
    await deps.catalog.create(item({ id: await deps.catalog.allocateId(), name: args.name, kind, columns, sql, query: args.query, dependsOn }));
    return '';
  }
  const cluster = deps.catalog.resolve(args.cluster, 'cluster');
  const id = await deps.catalog.allocateId();
  // Its collection keeps the dataflow's evaluation errors beside the data (protocol/error-column.ts).
  await whenAvailable(() => deps.storage.createSource(id, { kind: 'table', schema: withErrorColumn(columns) }));
  await waitForCollection(deps, id);
  const plan = outputPlan(planned.plan, planned.finishing.project, columns.length);
  const inputs = planned.inputs.map((i) => dataflowInputOf(deps.catalog, i.name, i.id));
  // An input's since can pass the chosen as-of before the install reaches the compute controller
  // (e.g. while the cluster starts): then a new as-of.
  const { ts: asOf } = await untilSinceHolds(
    () => materializedAsOf(deps, id, inputs.map((i) => i.collection)),
    (asOf) => whenAvailable(() => deps.compute.install(cluster.id, { id, plan, inputs, asOf, exports: { index: false, sink: { collection: id, errors: true } } })),
  );
  // Acknowledged once the view's contents at asOf are durable and asOf is visible, so every read
  // that starts after (strict serializable: at readTs >= asOf) sees them. A commit without writes
  // seals the tables past asOf now (their uppers follow the txns log), instead of at the next tick.
  await deps.commits.tick();
  try {
    await untilSealed(deps, id, asOf, deps.ddlWaitMs, `materialized view "${args.name}"`);
  } catch (err) {
    // Nothing in the catalog refers to them yet: remove the dataflow and its collection.
    await deps.compute.drop(cluster.id, id).catch(() => undefined);
    await deps.storage.dropSource(id).catch(() => undefined);
    throw err;
  }
  await deps.timeline.applyWrite(asOf);
  await deps.catalog.create(item({ id, name: args.name, kind, columns, sql, query: args.query, dependsOn: [...dependsOn, cluster.id], collection: id, cluster: cluster.id, dataflow: id }));
  return '';
}

/** CREATE INDEX [name] ON relation (cols) [IN CLUSTER c]: an arrangement of the relation on a cluster. */
export async function createIndex(deps: ControlDeps, stmt: IndexStmt, sql: string, clusterName: string): Promise<string> {
  const on = deps.catalog.resolve(stmt.relation?.relname ?? '');
  if (on.kind === 'index' || on.kind === 'cluster' || !on.columns.length) throw new SqlError(SqlState.WrongObjectType, `cannot create an index on ${kindLabel(on.kind)} "${on.name}"`);
  const keys = (stmt.indexParams ?? []).map((p) => {
    const name = 'IndexElem' in p ? p.IndexElem.name : undefined;
    const k = on.columns.findIndex((c) => c.name === name);
    if (k < 0) throw new SqlError(SqlState.UndefinedColumn, `column "${name ?? '(expression)'}" does not exist in "${on.name}"`);
    return k;
  });
  const name = stmt.idxname ?? `${on.name}_${keys.map((k) => on.columns[k]!.name).join('_') || 'primary'}_idx`;
  if (taken(deps, 'index', name, stmt.if_not_exists ?? false)) return `index "${name}" already exists, skipping`;
  const cluster = deps.catalog.resolve(clusterName, 'cluster');
  const planned = planQueryText(`SELECT * FROM "${on.name.replace(/"/g, '""')}"`, resolverFor(deps.catalog, { useIndexes: false }), { mode: 'maintained' });
  const id = await deps.catalog.allocateId();
  const inputs = planned.inputs.map((i) => dataflowInputOf(deps.catalog, i.name, i.id));
  const plan = outputPlan(planned.plan, planned.finishing.project, on.columns.length);
  await untilSinceHolds(
    () => dataflowAsOf(deps, inputs.map((i) => i.collection)),
    (asOf) => whenAvailable(() => deps.compute.install(cluster.id, { id, plan, inputs, asOf, exports: { index: true, ...(keys.length > 0 ? { indexKeys: keys } : {}) } })),
  );
  await deps.catalog.create(item({ id, name, kind: 'index', columns: on.columns, sql, dependsOn: [on.id, cluster.id], on: on.id, keys, cluster: cluster.id, dataflow: id }));
  return '';
}

export async function createCluster(deps: ControlDeps, name: string, ifNotExists: boolean, sql: string): Promise<string> {
  if (taken(deps, 'cluster', name, ifNotExists)) return `cluster "${name}" already exists, skipping`;
  const id = await deps.catalog.allocateId();
  await whenAvailable(() => deps.compute.createCluster(id));
  await deps.catalog.create(item({ id, name, kind: 'cluster', columns: [], sql }));
  return '';
}

/** DROP kind [IF EXISTS] name [CASCADE]. Without CASCADE, refuses while dependents exist (2BP01). */
export async function dropObject(deps: ControlDeps, ext: Extract<Extension, { kind: 'drop' }>): Promise<string> {
  const ns = ownNamespace(ext.objectKind) ? ext.objectKind : undefined;
  const target = deps.catalog.find(ext.name, ns);
  if (!target || (ns === undefined && target.kind !== ext.objectKind)) {
    if (target) throw new SqlError(SqlState.WrongObjectType, `"${ext.name}" is a ${kindLabel(target.kind)}, not a ${kindLabel(ext.objectKind)}`);
    if (ext.ifExists) return `${kindLabel(ext.objectKind)} "${ext.name}" does not exist, skipping`;
    throw new SqlError(ns ? SqlState.UndefinedObject : SqlState.UndefinedTable, `${kindLabel(ext.objectKind)} "${ext.name}" does not exist`);
  }
  const doomed = new Map<string, CatalogItem>([[target.id, target]]);
  // Subsources of an AUCTION, TPCH or POSTGRES source belong to it.
  for (const sub of (target.source?.['subsources'] as string[] | undefined) ?? []) {
    const s = deps.catalog.get(sub);
    if (s) doomed.set(s.id, s);
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const d of [...doomed.values()]) {
      for (const dep of deps.catalog.dependents(d.id)) {
        if (doomed.has(dep.id)) continue;
        if (!ext.cascade) {
          throw new SqlError(DEPENDENT_OBJECTS_STILL_EXIST, `cannot drop ${kindLabel(target.kind)} "${target.name}": ${kindLabel(dep.kind)} "${dep.name}" depends on it`, {
            hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
          });
        }
        doomed.set(dep.id, dep);
        grew = true;
      }
    }
  }
  const items = [...doomed.values()];
  await deps.catalog.drop(items.map((i) => i.id));
  // Sinks first: each stops and releases its read hold before what it reads goes.
  for (const i of items) if (i.kind === 'sink') await deps.storage.dropSink(i.id);
  for (const i of items) {
    if (i.dataflow && i.cluster && deps.catalog.get(i.cluster) !== undefined) await deps.compute.drop(i.cluster, i.dataflow).catch(() => undefined);
  }
  for (const i of items) {
    if (i.collection) {
      deps.commits.forget(i.collection);
      await deps.storage.dropSource(i.collection);
    }
    if (i.kind === 'cluster') await deps.compute.dropCluster(i.id);
  }
  return '';
}

export function item(fields: Omit<CatalogItem, 'createdAt' | 'dependsOn'> & { dependsOn?: string[] }): CatalogItem {
  return { dependsOn: [], createdAt: Date.now(), ...fields };
}

/** The plan with the finishing's projection applied (hidden ORDER BY columns removed). */
function outputPlan(plan: Plan, project: number[], arity: number): Plan {
  const identity = project.length === arity && project.every((c, i) => c === i);
  return identity ? plan : { op: 'project', input: plan, columns: project };
}

/** A dataflow starts at the strict-serializable read timestamp of its inputs (never below a since). */
function dataflowAsOf(deps: ControlDeps, collections: string[]): Promise<number> {
  return deps.reader.timestamp({ inputs: new Map(collections.map((c) => [c, { collection: c }])), isolation: 'strict serializable' });
}

/**
 * A materialized view's as-of is a write timestamp (so it can be made visible with applyWrite) at
 * or beyond its new collection's initial upper, where the sink writes the contents, and every
 * input's since. Reads before it would see an empty collection, and readTs never goes below it.
 */
async function materializedAsOf(deps: ControlDeps, collection: string, inputs: string[]): Promise<number> {
  const frontiers = await Promise.all([collection, ...inputs].map((c) => deps.storage.describe(c, 30_000)));
  const floor = Math.max(frontiers[0]!.upper, ...frontiers.slice(1).map((f) => f.since));
  for (;;) {
    const ts = await deps.timeline.writeTs();
    if (ts >= floor) return ts;
    await new Promise((r) => setTimeout(r, Math.min(1000, floor - ts)));
  }
}

/** The column aliases of `CREATE VIEW v (a, b)`. */
export function aliasesOf(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).map((n) => ('String' in n ? (n.String.sval ?? '') : ''));
}
