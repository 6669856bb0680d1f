/**
 * The shard backend of this process's region (DFN_STORAGE, runtime/config.ts): a collection
 * actor's own LevelDB key space (`leveldb`, the default), or the region's JetStream buckets
 * (`jetstream`: jetstream-shard-store.ts), opened once per NATS connection. Also the store of
 * other per-host state that must outlive the host's data dir on that backend (txns-upper.ts).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { loadConfig } from '../../runtime/config.js';
import type { ActorStore } from '../../runtime/store.js';
import { JetStreamShards } from './jetstream-shard-store.js';
import type { ShardStore } from './shard-store.js';

const opened = new WeakMap<NatsConnection, Map<string, Promise<JetStreamShards>>>();

/** The store a collection's shard lives in. */
export async function shardStoreOf(ctx: {
  kind: string;
  id: string;
  region: string;
  store: ActorStore;
  transport: { nc: NatsConnection };
  superseded?: (reason: string) => void;
}): Promise<ShardStore> {
  const config = loadConfig();
  if (config.storage === 'leveldb') return ctx.store;
  const byRegion = opened.get(ctx.transport.nc) ?? new Map<string, Promise<JetStreamShards>>();
  opened.set(ctx.transport.nc, byRegion);
  let buckets = byRegion.get(ctx.region);
  if (!buckets) {
    buckets = JetStreamShards.open(ctx.transport.nc, ctx.region, { replicas: config.storageReplicas });
    byRegion.set(ctx.region, buckets);
    buckets.catch(() => byRegion.delete(ctx.region));
  }
  // A fenced state write means a newer process owns this state now: this one is a zombie, and its
  // host stops (ActorContext.superseded) instead of restarting the actor, which would claim back.
  return (await buckets).shard(`${ctx.kind}/${ctx.id}`, (err) => ctx.superseded?.(err.message));
}
