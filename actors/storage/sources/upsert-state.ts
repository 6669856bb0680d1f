/**
 * The state of an upsert (or Debezium) source: each key's current row, so a new value for a key
 * becomes a retraction of the old row plus the new one, and a delete a retraction.
 *
 * It is never stored on its own: it is exactly the collection's contents at its upper, so a
 * restarted source rebuilds it from its own shard (`load`), as Materialize rehydrates upsert state
 * from its persist shard, and reads nothing of the stream again. `apply` changes the state as it
 * builds a commit; when that commit fails, the driver loads the state again before going on.
 */
import type { Row, Update } from '../../../protocol/types.js';
import type { Shard } from '../shard.js';
import { keyOf } from './envelope.js';

export class UpsertState {
  private readonly rows = new Map<string, Row>();

  constructor(private readonly keyIndexes: number[]) {}

  /** Rebuilds the state from the shard's contents at its upper (nothing when it holds no time yet). */
  async load(shard: Shard, collection: string): Promise<void> {
    this.rows.clear();
    const asOf = shard.readUpper - 1;
    if (asOf < 0 || asOf < shard.since) return;
    for (const [row, diff] of await shard.snapshot(asOf, collection)) {
      const key = keyOf(row, this.keyIndexes);
      if (key === undefined || diff !== 1 || this.rows.has(key)) {
        throw new Error(`collection ${collection}: its contents are not an upsert state (key ${key ?? 'NULL'}, diff ${diff})`);
      }
      this.rows.set(key, row);
    }
  }

  get size(): number {
    return this.rows.size;
  }

  /** The updates at `ts` that set `key` to `row` (null: delete); the state takes the change. */
  apply(key: string, row: Row | null, ts: number, out: Update[]): void {
    const old = this.rows.get(key);
    if (old !== undefined) out.push([old, ts, -1]);
    if (row !== null) {
      out.push([row, ts, 1]);
      this.rows.set(key, row);
    } else this.rows.delete(key);
  }
}
