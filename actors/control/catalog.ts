/**
 * The catalog: names, stable ids and definitions of every object (tables, sources, sinks, views,
 * materialized views, indexes, clusters, timelines), durable in the coordinator's LevelDB
 * sublevel. Ids (`u1`, `u2`, ...) are never reused, so STORAGE collections and COMPUTE dataflows
 * named after them stay unambiguous across drops and restarts. One writer: the coordinator.
 */
import type { Column } from '../../protocol/types.js';
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import type { ActorStore } from '../../runtime/store.js';

export type ObjectKind = 'table' | 'source' | 'sink' | 'view' | 'materialized_view' | 'index' | 'cluster' | 'timeline' | 'secret' | 'connection';

/** Kinds with a namespace of their own; relations and indexes share one. */
export function ownNamespace(kind: ObjectKind): boolean {
  return kind === 'cluster' || kind === 'timeline' || kind === 'secret' || kind === 'connection';
}

export interface CatalogItem {
  id: string;
  name: string;
  kind: ObjectKind;
  /** Output columns (relations only). */
  columns: Column[];
  /** The statement that created it, as the user wrote it. */
  sql: string;
  /** Ids this object reads from (DROP ... RESTRICT refuses while dependents exist). */
  dependsOn: string[];
  createdAt: number;
  /** The STORAGE collection holding its data (tables, sources, materialized views). */
  collection?: string;
  /** The cluster computing it (materialized views, indexes). */
  cluster?: string;
  /** The COMPUTE dataflow maintaining it (materialized views, indexes). */
  dataflow?: string;
  /** The SELECT defining it (views, materialized views). */
  query?: string;
  /** What an index is on, and its key columns. */
  on?: string;
  keys?: number[];
  /** Source settings (kind, generator, stream, ...). */
  source?: Record<string, unknown>;
  /** A secret's value: never printed (its `sql` is stored with the value masked). */
  secret?: string;
  /** A connection's settings (the password is the secret `passwordSecret`, by id). */
  connection?: { type: 'postgres'; host: string; port: number; user: string; database: string; passwordSecret?: string };
}

const KIND_LABEL: Record<ObjectKind, string> = {
  table: 'table',
  source: 'source',
  sink: 'sink',
  view: 'view',
  materialized_view: 'materialized view',
  index: 'index',
  cluster: 'cluster',
  timeline: 'timeline',
  secret: 'secret',
  connection: 'connection',
};

export function kindLabel(kind: ObjectKind): string {
  return KIND_LABEL[kind];
}

export class Catalog {
  private readonly items = new Map<string, CatalogItem>();
  private readonly byName = new Map<string, string>();
  private nextId = 1;
  /** Counts catalog changes: whatever was derived from the catalog (a cached plan) is valid only
   *  for the generation it was derived in. */
  generation = 0;

  private constructor(private readonly store: ActorStore) {}

  static async load(store: ActorStore): Promise<Catalog> {
    const c = new Catalog(store);
    c.nextId = (await store.get<number>('next-id')) ?? 1;
    for await (const [, item] of store.entries<CatalogItem>({ gte: 'item/', lt: 'item/\xff' })) {
      c.items.set(item.id, item);
      c.byName.set(c.nameKey(item.kind, item.name), item.id);
    }
    return c;
  }

  /** Clusters and timelines have their own namespaces; relations and indexes share one. */
  private nameKey(kind: ObjectKind, name: string): string {
    return ownNamespace(kind) ? `${kind}:${name}` : `rel:${name}`;
  }

  all(): CatalogItem[] {
    return [...this.items.values()].sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
  }

  get(id: string): CatalogItem | undefined {
    return this.items.get(id);
  }

  /** Looks up a relation or index by name. */
  find(name: string, kind?: ObjectKind): CatalogItem | undefined {
    const id = this.byName.get(this.nameKey(kind ?? 'table', name));
    const item = id === undefined ? undefined : this.items.get(id);
    if (item && kind && !ownNamespace(kind) && item.kind !== kind) return undefined;
    return item;
  }

  /** Like find, but a missing relation is SQLSTATE 42P01 (or 42704 for clusters). */
  resolve(name: string, kind?: ObjectKind): CatalogItem {
    const item = this.find(name, kind);
    if (item) return item;
    if (kind && ownNamespace(kind)) throw new SqlError(SqlState.UndefinedObject, `unknown ${kind} "${name}"`);
    throw new SqlError(SqlState.UndefinedTable, `unknown ${kind ? kindLabel(kind) : 'relation'} "${name}"`);
  }

  exists(kind: ObjectKind, name: string): boolean {
    return this.byName.has(this.nameKey(kind, name));
  }

  /** Allocates the next id without creating anything yet. */
  async allocateId(): Promise<string> {
    const id = `u${this.nextId++}`;
    await this.store.batch([{ type: 'put', key: 'next-id', value: this.nextId }]);
    return id;
  }

  async create(item: CatalogItem): Promise<CatalogItem> {
    if (this.exists(item.kind, item.name)) {
      const existing = this.find(item.name, ownNamespace(item.kind) ? item.kind : undefined)!;
      throw new SqlError(item.kind === 'table' ? SqlState.DuplicateTable : SqlState.DuplicateObject, `${kindLabel(existing.kind)} "${item.name}" already exists`);
    }
    await this.store.batch([
      { type: 'put', key: `item/${item.id}`, value: item },
      { type: 'put', key: 'next-id', value: Math.max(this.nextId, Number(item.id.slice(1)) + 1) },
    ]);
    this.nextId = Math.max(this.nextId, Number(item.id.slice(1)) + 1);
    this.items.set(item.id, item);
    this.byName.set(this.nameKey(item.kind, item.name), item.id);
    this.generation++;
    return item;
  }

  /** Objects that depend on `id` (directly). */
  dependents(id: string): CatalogItem[] {
    return this.all().filter((i) => i.dependsOn.includes(id));
  }

  async drop(ids: string[]): Promise<void> {
    await this.store.batch(ids.map((id) => ({ type: 'del' as const, key: `item/${id}` })));
    this.generation++;
    for (const id of ids) {
      const item = this.items.get(id);
      if (!item) continue;
      this.items.delete(id);
      this.byName.delete(this.nameKey(item.kind, item.name));
    }
  }
}
