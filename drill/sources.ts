/**
 * Creating, dropping, writing to and subscribing to the drill's sources: tables written by
 * compare-and-append, counter generators, and JetStream streams (replicas 3 on a NATS cluster).
 * Every operation retries until the platform answers, and records only what was acknowledged.
 */
import { isErrorCode } from '../protocol/errors.js';
import { GENERATOR_SCHEMAS } from '../protocol/storage/source.js';
import type { Schema } from '../protocol/types.js';
import type { DrillContext } from './context.js';
import { SubscriberModel, type SourceKind, type SourceModel } from './model.js';
import { until } from './until.js';

const KEYED: Schema = [{ name: 'k', type: 'int', nullable: false }];

export async function createSource(ctx: DrillContext, kind: SourceKind): Promise<SourceModel> {
  const id = ctx.model.newId(kind);
  let stream: string | undefined;
  if (kind === 'jetstream') {
    stream = `DRILL_${id.toUpperCase()}`;
    const name = stream;
    await until(() => ctx.jsm.streams.add({ name, subjects: [`drill.${id}.>`], num_replicas: ctx.nats.size }), `stream ${stream} created`);
  }
  const spec =
    kind === 'table'
      ? { kind: 'table' as const, schema: KEYED }
      : kind === 'counter'
        ? { kind: 'generator' as const, generator: 'counter' as const, tickMs: 100, perTick: 5, schema: [...GENERATOR_SCHEMAS.counter] }
        : { kind: 'jetstream' as const, stream: stream!, format: 'json' as const, schema: KEYED, batchSize: 200 };
  await until(async () => {
    try {
      await ctx.client.createSource(id, spec);
    } catch (err) {
      if (!isErrorCode(err, 'AlreadyExists') && !isErrorCode(err, 'CollectionExists')) throw err;
    }
    return ctx.client.describe(id, 2000);
  }, `source ${id} created`);
  const m = ctx.model.add(id, kind, stream);
  await subscribe(ctx, m);
  return m;
}

/** A subscriber that stays connected from the source's creation until it is dropped. */
async function subscribe(ctx: DrillContext, m: SourceModel): Promise<void> {
  const s = new SubscriberModel(m.id);
  // broken-drill fault injection: the first counter's subscriber loses its 3rd update
  if (ctx.inject.includes('drop-subscriber-update') && m.kind === 'counter' && ctx.model.ofKind('counter').length === 1) s.dropNth = 3;
  m.subscriber = s;
  // The read hold keeps `since` from passing what the subscriber has seen, so it can resume
  // after any outage (as CONTROL holds read holds for SUBSCRIBE); --no-read-holds drops it.
  if (ctx.readHolds) await until(() => ctx.client.allowCompaction(m.id, holderOf(m.id), [0]), `read hold on ${m.id}`);
  s.sub = await until(
    async () =>
      ctx.client.subscribe(m.id, (await ctx.client.describe(m.id, 2000)).since, {
        updates: (u) => s.onUpdates(u),
        progress: (f) => s.onProgress(f),
        failed: (e) => {
          s.ended = true;
          if (ctx.model.sources.has(m.id)) ctx.violate('subscription-failed', `${m.id}: ${e.message}`);
        },
      }),
    `subscribed to ${m.id}`,
  );
}

export function holderOf(id: string): string {
  return `drill-subscriber-${id}`;
}

/** Moves the subscriber's read hold up to what it has seen. */
export async function advanceHold(ctx: DrillContext, m: SourceModel): Promise<void> {
  const s = m.subscriber;
  if (!ctx.readHolds || !s || s.ended || s.frontier === 0) return;
  await ctx.client.allowCompaction(m.id, holderOf(m.id), [s.frontier - 1]);
}

export async function dropSource(ctx: DrillContext, m: SourceModel): Promise<void> {
  ctx.model.sources.delete(m.id);
  await until(async () => {
    try {
      await ctx.client.dropSource(m.id);
    } catch (err) {
      if (!isErrorCode(err, 'UnknownCollection') && !isErrorCode(err, 'NotFound')) throw err;
    }
    return true;
  }, `source ${m.id} dropped`);
  m.subscriber?.sub?.cancel();
  if (m.stream) await ctx.jsm.streams.delete(m.stream).catch(() => undefined);
}

/** `appends` compare-and-appends of 1..`rows` rows each; returns the rows acknowledged. */
export async function writeBurst(ctx: DrillContext, m: SourceModel, appends: number, rows: number): Promise<number> {
  let acked = 0;
  for (let a = 0; a < appends; a++) {
    const keys = Array.from({ length: ctx.rng.int(1, rows) }, () => m.nextKey++);
    const token = `${m.id}-${keys[0]}`;
    for (let attempt = 0; ; attempt++) {
      let upper: number;
      try {
        upper = (await ctx.client.describe(m.id, 2000)).upper;
      } catch (err) {
        if (attempt > 200) throw err;
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      try {
        const out = await ctx.client.compareAndAppend({ collection: m.id, writer: 'drill', token, expectedUpper: upper, newUpper: upper + 1, updates: keys.map((k) => [[k], upper, 1]) });
        if (out.ok) {
          for (const k of keys) m.acknowledged.add(k);
          // broken-drill fault injection: count one write as acknowledged that was never sent
          if (ctx.inject.includes('phantom-ack') && a === 0) m.acknowledged.add(m.nextKey++);
          acked += keys.length;
          break;
        }
      } catch {
        // outcome unknown: the client already retried with the same token
        for (const k of keys) m.unknown.add(k);
        break;
      }
    }
  }
  return acked;
}

/** Publishes `n` messages, each with a msgID so a retried publish is deduplicated by JetStream. */
export async function publishBurst(ctx: DrillContext, m: SourceModel, n: number): Promise<number> {
  const keys = Array.from({ length: n }, () => m.nextKey++);
  let acked = 0;
  await Promise.all(
    keys.map(async (k) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        try {
          const ack = await ctx.js.publish(`drill.${m.id}.row`, JSON.stringify({ k }), { msgID: `${m.id}-${k}` });
          m.acknowledged.add(k);
          m.lastSeq = Math.max(m.lastSeq, ack.seq);
          acked++;
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      m.unknown.add(k);
    }),
  );
  return acked;
}
