/**
 * Where a txns actor keeps its one durable value, the txns upper (txns.ts), per backend:
 *
 * - LevelDB (the default): key `upper` of the actor's own key space in its host's LevelDB, as
 *   before.
 * - JetStream: the state entry `txns/<host>` of the region's shards bucket (backend.ts, the same
 *   compare-and-set entry a shard's meta is), so a host process started on an empty data dir,
 *   here or on another machine, reads the upper its predecessor wrote. At open the store claims
 *   the entry (writes it once by compare-and-set): from then on a predecessor still alive (a
 *   SIGSTOPped zombie) fails its next advance with `Fenced`, and its host stops
 *   (ActorContext.superseded), so the upper never moves back and no two processes advance it.
 */
import type { ActorContext } from '../../runtime/actor.js';
import { shardStoreOf } from './backend.js';
import type { ShardStore } from './shard-store.js';

/** The txns upper's durable home. */
export interface TxnsUpperStore {
  /** The upper last written (0 if none). */
  readonly initial: number;
  /** Writes `upper` durably (synced); rejects with `Fenced` when a newer owner wrote since. */
  write(upper: number): Promise<void>;
}

const LEVEL_KEY = 'upper';
const META = 'meta';

interface TxnsMeta {
  upper: number;
}

export async function openTxnsUpper(ctx: ActorContext): Promise<TxnsUpperStore> {
  const store: ShardStore = await shardStoreOf(ctx);
  if (!store.shared) {
    const initial = (await store.get<number>(LEVEL_KEY)) ?? 0;
    return { initial, write: (upper) => store.batch([{ type: 'put', key: LEVEL_KEY, value: upper }], { sync: true }) };
  }
  const meta = (await store.get<TxnsMeta>(META)) ?? { upper: 0 };
  await store.batch([{ type: 'put', key: META, value: meta }]); // the claim
  return { initial: meta.upper, write: (upper) => store.batch([{ type: 'put', key: META, value: { upper } satisfies TxnsMeta }]) };
}
