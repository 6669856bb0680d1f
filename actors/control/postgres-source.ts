/**
 * CREATE SECRET, CREATE CONNECTION ... TO POSTGRES and CREATE SOURCE ... FROM POSTGRES
 * (docs/sources-postgres.md), and SHOW SOURCE STATUSES. Creating a PostgreSQL source "purifies"
 * it as Materialize does: CONTROL connects to the upstream once, checks the publication, lists
 * its tables, maps every column's type (an unsupported type is an error naming the column) and
 * requires REPLICA IDENTITY FULL; STORAGE then gets a complete source spec and never asks CONTROL
 * again. A secret's value is kept in the catalog and in the source's spec only: the stored
 * statement masks it, and no message here includes it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import type { StatementResult } from '../../protocol/control/response.js';
import { PG_SESSION_OPTIONS, PG_TYPE_OIDS, pgColumnType } from '../../protocol/storage/pg-types.js';
import { postgresColumnName, postgresSchema, type PostgresSource, type PostgresTable } from '../../protocol/storage/source.js';
import type { CatalogItem } from './catalog.js';
import type { ControlDeps } from './deps.js';
import { item, taken, waitForCollection, whenAvailable } from './ddl.js';
import { resolverFor } from './resolve.js';
import { planQueryText, type Extension } from './sql/index.js';

type Ext<K extends Extension['kind']> = Extract<Extension, { kind: K }>;

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export async function createSecret(deps: ControlDeps, ext: Ext<'create_secret'>): Promise<string> {
  if (taken(deps, 'secret', ext.name, ext.ifNotExists)) return `secret "${ext.name}" already exists, skipping`;
  const id = await deps.catalog.allocateId();
  await deps.catalog.create(item({ id, name: ext.name, kind: 'secret', columns: [], sql: `CREATE SECRET ${quote(ext.name)} AS '********'`, secret: ext.value }));
  return '';
}

export async function createConnection(deps: ControlDeps, ext: Ext<'create_connection'>, sql: string): Promise<string> {
  if (taken(deps, 'connection', ext.name, ext.ifNotExists)) return `connection "${ext.name}" already exists, skipping`;
  const { passwordSecret, ...rest } = ext.postgres;
  const secret = passwordSecret !== undefined ? deps.catalog.resolve(passwordSecret, 'secret') : undefined;
  const id = await deps.catalog.allocateId();
  await deps.catalog.create(
    item({ id, name: ext.name, kind: 'connection', columns: [], sql, dependsOn: secret ? [secret.id] : [], connection: { type: 'postgres', ...rest, ...(secret ? { passwordSecret: secret.id } : {}) } }),
  );
  return '';
}

/** The upstream settings of connection `name`, with the password from its secret. */
function connectionOf(deps: ControlDeps, name: string): { item: CatalogItem; settings: PostgresSource['connection'] } {
  const conn = deps.catalog.find(name, 'connection');
  if (!conn?.connection) throw new SqlError(SqlState.UndefinedObject, `unknown connection "${name}"`);
  const { host, port, user, database, passwordSecret } = conn.connection;
  let password: string | undefined;
  if (passwordSecret !== undefined) {
    const secret = deps.catalog.get(passwordSecret);
    if (secret?.secret === undefined) throw new SqlError(SqlState.UndefinedObject, `connection "${name}": its password secret was dropped`);
    password = secret.secret;
  }
  return { item: conn, settings: { host, port, user, database, ...(password !== undefined ? { password } : {}) } };
}

interface UpstreamTable extends PostgresTable {
  notNull: boolean[];
}

/** Connects, checks the publication, and maps the tables the statement names (or all of its tables). */
async function purify(settings: PostgresSource['connection'], ext: Ext<'create_postgres_source'>): Promise<UpstreamTable[]> {
  const client = new pg.Client({ ...settings, options: PG_SESSION_OPTIONS, connectionTimeoutMillis: 10_000, application_name: 'definite' } as pg.ClientConfig);
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw new SqlError('08001', `cannot connect to PostgreSQL at ${settings.host}:${settings.port} as ${settings.user}: ${(err as Error).message}`);
  }
  try {
    const pub = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [ext.publication]);
    if (pub.rows.length === 0) throw new SqlError(SqlState.UndefinedObject, `publication "${ext.publication}" does not exist in database "${settings.database}" upstream`);
    const wal = await client.query('SHOW wal_level');
    if (wal.rows[0]?.wal_level !== 'logical') throw new SqlError('55000', `the upstream PostgreSQL has wal_level = ${wal.rows[0]?.wal_level}: logical replication needs wal_level = logical`);
    const listed = (await client.query('SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY schemaname, tablename', [ext.publication])).rows as Array<{ schemaname: string; tablename: string }>;
    let wanted: Array<{ schema: string; name: string }>;
    if (ext.tables === undefined) {
      if (listed.length === 0) throw new SqlError(SqlState.InvalidParameterValue, `publication "${ext.publication}" has no tables`);
      wanted = listed.map((t) => ({ schema: t.schemaname, name: t.tablename }));
    } else {
      wanted = ext.tables.map((t) => {
        const matches = listed.filter((l) => l.tablename === t.table && (t.schema === undefined || l.schemaname === t.schema));
        const shown = t.schema ? `${t.schema}.${t.table}` : t.table;
        if (matches.length === 0) throw new SqlError(SqlState.UndefinedTable, `table "${shown}" is not in publication "${ext.publication}"`);
        if (matches.length > 1) throw new SqlError('42P09', `table name "${t.table}" is ambiguous in publication "${ext.publication}": qualify it with its schema`);
        return { schema: matches[0]!.schemaname, name: matches[0]!.tablename };
      });
    }
    const tables: UpstreamTable[] = [];
    for (const t of wanted) {
      const r = await client.query(
        `SELECT a.attname, a.atttypid::int AS oid, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, c.relreplident, ty.typtype
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type ty ON ty.oid = a.atttypid
         WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
        [t.schema, t.name],
      );
      const cols = r.rows as Array<{ attname: string; oid: number; type: string; attnotnull: boolean; relreplident: string; typtype: string }>;
      if (cols.length === 0) throw new SqlError(SqlState.UndefinedTable, `table "${t.schema}.${t.name}" has no columns`);
      if (cols[0]!.relreplident !== 'f') {
        throw new SqlError('55000', `table "${t.schema}.${t.name}" has REPLICA IDENTITY ${({ d: 'DEFAULT', n: 'NOTHING', i: 'USING INDEX' } as Record<string, string>)[cols[0]!.relreplident] ?? cols[0]!.relreplident}: a PostgreSQL source needs the old row of every UPDATE and DELETE`, {
          hint: `run ALTER TABLE ${t.schema}.${t.name} REPLICA IDENTITY FULL upstream`,
        });
      }
      const columns = cols.map((c) => {
        // An enum (typtype 'e') is its label, as text.
        const type = pgColumnType(c.oid) ?? (c.typtype === 'e' ? 'text' : undefined);
        if (!type) {
          throw new SqlError(SqlState.FeatureNotSupported, `column "${t.name}.${c.attname}" has type ${c.type}, which a PostgreSQL source cannot ingest`, {
            hint: `supported: ${[...new Set(Object.values(PG_TYPE_OIDS).map((x) => x.name))].join(', ')}, enums; exclude the table or change the column's type`,
          });
        }
        return { name: c.attname, typeOid: c.oid, type };
      });
      tables.push({ schema: t.schema, name: t.name, columns, notNull: cols.map((c) => c.attnotnull) });
    }
    return tables;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A replication slot name unique to this source (slots are per upstream cluster, shared by every definite using it). */
function slotName(region: string, id: string): string {
  return `dfn_${region.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_${id}_${randomBytes(4).toString('hex')}`.slice(0, 63);
}

export async function createPostgresSource(deps: ControlDeps, ext: Ext<'create_postgres_source'>, sql: string): Promise<string> {
  if (taken(deps, 'source', ext.name, ext.ifNotExists)) return `source "${ext.name}" already exists, skipping`;
  const { item: conn, settings } = connectionOf(deps, ext.connection);
  const tables = await purify(settings, ext);
  const names = tables.map((t, i) => ext.tables?.[i]?.alias ?? t.name);
  for (const [i, n] of names.entries()) {
    if (names.indexOf(n) !== i) throw new SqlError(SqlState.DuplicateObject, `two subsources would be named "${n}": rename one with AS`);
    if (n === ext.name || deps.catalog.exists('table', n)) throw new SqlError(SqlState.DuplicateTable, `relation "${n}" already exists: name the subsource with FOR TABLES (${tables[i]!.name} AS other_name)`);
  }
  const id = await deps.catalog.allocateId();
  const specTables = tables.map(({ notNull: _, ...t }) => t);
  const schema = postgresSchema(specTables);
  const spec: PostgresSource = { kind: 'postgres', connection: settings, publication: ext.publication, slot: slotName(deps.region, id), tables: specTables, schema };
  await whenAvailable(() => deps.storage.createSource(id, spec));
  await waitForCollection(deps, id);
  const subIds: string[] = [];
  for (let i = 0; i < tables.length; i++) subIds.push(await deps.catalog.allocateId());
  await deps.catalog.create(
    item({ id, name: ext.name, kind: 'source', columns: schema, sql, collection: id, dependsOn: [conn.id], source: { kind: 'postgres', publication: ext.publication, slot: spec.slot, subsources: subIds } }),
  );
  for (const [i, t] of tables.entries()) {
    const query = `SELECT ${t.columns.map((c) => `${quote(postgresColumnName(i, c.name))} AS ${quote(c.name)}`).join(', ')} FROM ${quote(ext.name)} WHERE "_table" = ${i}`;
    const planned = planQueryText(query, resolverFor(deps.catalog, { useIndexes: false }), { mode: 'maintained' });
    const columns = planned.columns.map((c, k) => ({ ...c, nullable: !t.notNull[k] }));
    await deps.catalog.create(item({ id: subIds[i]!, name: names[i]!, kind: 'source', columns, sql, query, dependsOn: [id], source: { kind: 'postgres', parent: id, upstream: `${t.schema}.${t.name}` } }));
  }
  return '';
}

/** SHOW SOURCE STATUSES: name, type, status and the stall reason of every source with a collection (subsources: their source's). */
export async function showSourceStatuses(deps: ControlDeps): Promise<StatementResult> {
  const rows: Array<[string, string, string, string | null]> = [];
  for (const s of deps.catalog.all().filter((i) => i.kind === 'source')) {
    const type = String(s.source?.['kind'] ?? 'source');
    const collection = s.collection ?? deps.catalog.get(String(s.source?.['parent'] ?? ''))?.collection;
    if (!collection) {
      rows.push([s.name, type, 'running', null]);
      continue;
    }
    try {
      const d = await deps.storage.describe(collection, 2000);
      rows.push([s.name, type, d.status, d.statusMessage ?? null]);
    } catch (err) {
      rows.push([s.name, type, 'unknown', (err as Error).message]);
    }
  }
  rows.sort((a, b) => a[0].localeCompare(b[0]));
  return {
    tag: `SELECT ${rows.length}`,
    columns: [{ name: 'name', type: 'text' }, { name: 'type', type: 'text' }, { name: 'status', type: 'text' }, { name: 'error', type: 'text' }],
    rows,
  };
}
