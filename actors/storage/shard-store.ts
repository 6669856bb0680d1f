/**
 * The seam between a shard's logic (shard.ts: compare-and-append, group commit, merges, reads) and
 * its persistence: a key space holding one `meta` value (the shard's state: since, upper, writer
 * records, the batch list) and batch values under `b/...` keys. Two backends (docs/storage.md,
 * "Storage backends"):
 *
 * - LevelDB (`ActorStore` of runtime/store.ts, the default): a `batch` is one atomic LevelDB write
 *   of batch values and meta together.
 * - JetStream (jetstream-shard-store.ts): batch values are entries of a replicated KV bucket under
 *   keys no other incarnation writes, written first; the meta is ONE KV entry replaced only by
 *   compare-and-set on its revision; deletes come after it. A process whose meta write finds
 *   another revision is fenced (`FencedError`) and writes nothing more.
 *
 * What the shard relies on, in both: a `batch` that writes `meta` takes effect entirely or (on
 * failure) leaves the listed state as it was; values under a key the meta lists never change;
 * `keys(range)` lists only keys written before the meta was read at open (the orphan sweep).
 */
import type { ActorStore } from '../../runtime/store.js';

export interface ShardStore extends Pick<ActorStore, 'get' | 'batch' | 'entries' | 'keys'> {
  /**
   * True when other processes may open the same shard (a shared backend): the shard then claims
   * it at open, by writing its meta once (compare-and-set) with its append keys moved past any
   * an older owner may still write, before it sweeps or writes anything else.
   */
  readonly shared?: boolean;
  /**
   * The values at `keys`, in order (undefined where none): when given, a listed batch of several
   * keys (a run, or parts) is read by its keys rather than by a range (a range costs the JetStream
   * backend a listing of the shard's keys; LevelDB iterates a range cheaply and has no `values`).
   */
  values?<T = unknown>(keys: string[]): Promise<Array<T | undefined>>;
}
