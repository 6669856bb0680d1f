/**
 * Name resolution against the catalog for the planner (sql/planned.ts RelationResolver), and the
 * mapping from a planned input back to where its data lives (a collection or an index).
 * A view with an index is resolved as a stored relation, so a query over it peeks the index
 * instead of recomputing the view.
 */
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import type { RelationResolver } from './sql/index.js';
import type { Catalog } from './catalog.js';
import { indexOf } from './deps.js';
import type { ReadSource } from './reads.js';
import type { DataflowInput } from '../../protocol/compute/command.js';

export function resolverFor(catalog: Catalog, options: { useIndexes: boolean }): RelationResolver {
  return (name) => {
    const item = catalog.find(name);
    if (!item) return undefined;
    switch (item.kind) {
      case 'table':
      case 'source':
      case 'materialized_view':
        return item.collection ? { kind: item.kind, id: item.id, columns: item.columns } : undefined;
      case 'view':
        if (options.useIndexes && indexOf(catalog, item)) return { kind: 'materialized_view', id: item.id, columns: item.columns };
        return { kind: 'view', id: item.id, query: item.query ?? '', columns: item.columns };
      default:
        return undefined;
    }
  };
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
