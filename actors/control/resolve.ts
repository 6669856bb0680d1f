/**
 * Name resolution against the catalog for the planner (sql/planned.ts RelationResolver), and the
 * mapping from a planned input back to where its data lives (a collection or an index).
 * A view with an index is resolved as a stored relation, so a query over it peeks the index
 * instead of recomputing the view.
 */
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import type { RelationResolver } from './sql/index.js';
import { SystemCatalog, withSystemRelations, type CatalogObject } from './sql/pg-catalog.js';
import type { Catalog } from './catalog.js';
import { indexOf } from './deps.js';
import type { ReadSource } from './reads.js';
import type { DataflowInput } from '../../protocol/compute/command.js';

/**
 * Resolves names against `catalog`. With `system` (one-shot SELECTs only: a view or a write
 * cannot read a constant snapshot of the catalog), `pg_catalog.*` and `information_schema.*`
 * are constant relations derived from the catalog now (sql/pg-catalog.ts), and an unqualified
 * name is looked up in pg_catalog first, as Postgres' search path does. Without it, only
 * `public` has relations.
 */
export function resolverFor(catalog: Catalog, options: { useIndexes: boolean; system?: boolean }): RelationResolver {
  const user: RelationResolver = (name, schema) => {
    if (schema !== undefined && schema !== 'public') return undefined;
    const item = catalog.find(name);
    if (!item) return undefined;
    switch (item.kind) {
      case 'source':
        // A PostgreSQL source's subsource: a projection of its source's collection.
        if (!item.collection && item.query !== undefined) return { kind: 'view', id: item.id, query: item.query, columns: item.columns };
        return item.collection ? { kind: item.kind, id: item.id, columns: item.columns } : undefined;
      case 'table':
      case 'materialized_view':
        return item.collection ? { kind: item.kind, id: item.id, columns: item.columns } : undefined;
      case 'view':
        if (options.useIndexes && indexOf(catalog, item)) return { kind: 'materialized_view', id: item.id, columns: item.columns };
        return { kind: 'view', id: item.id, query: item.query ?? '', columns: item.columns };
      default:
        return undefined;
    }
  };
  return options.system ? withSystemRelations(user, () => systemCatalogOf(catalog)) : user;
}

/**
 * The dataflow input reading the planned input `id` from its collection: a materialized view's
 * collection carries its errors in a last column (protocol/error-column.ts).
 */
export function dataflowInputOf(catalog: Catalog, name: string, id: string): DataflowInput {
  const item = catalog.get(id);
  if (!item?.collection) throw new SqlError(SqlState.UndefinedTable, `relation ${name} was dropped`);
  return { name, collection: item.collection, ...(item.kind === 'materialized_view' ? { errors: true } : {}) };
}

/** Where the planned input `id` is read from: its index if it has one, else its collection. */
export function readSourceOf(catalog: Catalog, id: string): ReadSource {
  const item = catalog.get(id);
  if (!item) throw new SqlError(SqlState.UndefinedTable, `relation ${id} was dropped`);
  const index = indexOf(catalog, item);
  if (index) {
    const keys = index.keys ?? [];
    return { index: { cluster: index.cluster!, dataflow: index.dataflow!, ...(keys.length > 0 ? { keys, keyTypes: keys.map((k) => index.columns[k]!.type) } : {}) } };
  }
  if (item.collection) return { collection: item.collection, ...(item.kind === 'materialized_view' ? { errors: true } : {}) };
  throw new SqlError(SqlState.InternalError, `relation "${item.name}" has no data to read`);
}

/** definite's one database and role (pgwire/connection.ts' default account; not imported: a cycle). */
const DATABASE = 'materialize';
const OWNER = 'materialize';

/** The system catalog of `catalog`'s relations now. */
function systemCatalogOf(catalog: Catalog): SystemCatalog {
  const objects: CatalogObject[] = [];
  for (const item of catalog.all()) {
    if (item.kind === 'cluster' || item.kind === 'timeline' || item.kind === 'sink' || item.kind === 'secret' || item.kind === 'connection') continue;
    objects.push({
      id: item.id,
      name: item.name,
      kind: item.kind,
      columns: item.columns,
      ...(item.query !== undefined ? { query: item.query } : {}),
      ...(item.on !== undefined ? { on: item.on } : {}),
      ...(item.keys !== undefined ? { keys: item.keys } : {}),
    });
  }
  return new SystemCatalog({ objects, database: DATABASE, owner: OWNER });
}
