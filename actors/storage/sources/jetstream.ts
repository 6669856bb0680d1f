/**
 * The JetStream source driver: an ordered consumer on the stream starting right after the stored
 * stream sequence, so a restart fetches nothing it had committed. Messages are decoded (JSON or
 * msgpack), mapped to the declared columns by name, and committed in batches together with the
 * last stream sequence (one atomic commit). A message that does not fit is counted in
 * `badMessages` (committed with the same batch) and its reason kept; it is never silently dropped
 * from the count. A message at or below the committed sequence would be a re-read: it is counted
 * in `upstreamRereads` (and skipped), so the guarantee is measured, not assumed. Payloads are
 * decoded as they arrive: a JsMsg's bytes may be a view into a buffer the client reuses later. When the stream
 * is idle, upper still advances on a 1 s tick so views keep making progress.
 *
 * With `envelope` `upsert` or `debezium` (envelope.ts), each message sets or deletes its key's row;
 * the current row per key (upsert-state.ts) is rebuilt from the shard when the driver starts and
 * again after a failed commit, never from the stream.
 */
import { jetstream, DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { JetStreamSource } from '../../../protocol/storage/source.js';
import type { Update } from '../../../protocol/types.js';
import { decode } from '../../../protocol/codec.js';
import { parseJsonExact } from '../../../protocol/exact-json.js';
import type { DriverContext, SourceDriver } from './driver.js';
import { changeOf, type Change, type EnvelopeSpec } from './envelope.js';
import { UpsertState } from './upsert-state.js';

const IDLE_TICK_MS = 1000;
const RETRY_MS = 1000;

export class JetStreamDriver implements SourceDriver {
  private running = false;
  private messages: ConsumerMessages | undefined;
  private idle: NodeJS.Timeout | undefined;
  private buffer: Array<{ seq: number; change: Change }> = [];
  private fetched = 0;
  private lastBad: string | undefined;
  private readonly envelope: EnvelopeSpec;
  /** Each key's current row (upsert and debezium envelopes); `loaded` false until it equals the shard. */
  private readonly state: UpsertState | undefined;
  private loaded = false;

  constructor(
    private readonly spec: JetStreamSource,
    private readonly ctx: DriverContext,
  ) {
    const keyIndexes = (spec.key ?? []).map((k) => spec.schema.findIndex((c) => c.name === k));
    this.envelope = { envelope: spec.envelope ?? 'none', schema: spec.schema, keyIndexes };
    this.state = this.envelope.envelope === 'none' ? undefined : new UpsertState(keyIndexes);
  }

  start(): void {
    this.running = true;
    this.idle = setInterval(() => {
      if (!this.ctx.alive()) return this.stop();
      // Every tick, even soon after a commit (a read past the last commit waits at most a tick).
      void this.flush().catch((e) => this.crash(e));
    }, IDLE_TICK_MS);
    void this.run();
  }

  stop(): void {
    this.running = false;
    if (this.idle) clearInterval(this.idle);
    this.messages?.stop();
  }

  info(): Record<string, unknown> {
    return {
      stream: this.spec.stream, sequence: this.ctx.shard.position, fetched: this.fetched, lastBadMessage: this.lastBad,
      ...(this.state ? { envelope: this.envelope.envelope, keys: this.state.size } : {}),
    };
  }

  private crash(err: unknown): void {
    if (this.running && this.ctx.alive()) this.ctx.fail(err);
  }

  private async run(): Promise<void> {
    while (this.running && this.ctx.alive()) {
      try {
        if (this.state && !this.loaded) {
          await this.state.load(this.ctx.shard, this.ctx.collection);
          this.loaded = true;
        }
        const js = jetstream(this.ctx.transport.nc);
        const consumer = await js.consumers.get(this.spec.stream, {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: this.ctx.shard.position + 1,
          ...(this.spec.filterSubject ? { filter_subjects: this.spec.filterSubject } : {}),
        });
        this.ctx.stalled(null);
        this.messages = await consumer.consume({ max_messages: this.spec.batchSize ?? 1000 });
        for await (const m of this.messages) {
          if (!this.running || !this.ctx.alive()) break;
          this.fetched++;
          this.buffer.push({ seq: m.seq, change: this.toChange(m) });
          if (this.buffer.length >= (this.spec.batchSize ?? 1000) || m.info.pending === 0) await this.flush();
        }
      } catch (err) {
        if (!this.running) return;
        this.loaded = false; // a failed commit may have changed the state: rebuild it from the shard
        this.ctx.stalled(`stream ${this.spec.stream}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  /** Commits the buffered messages (or just advances upper when there are none). */
  private async flush(): Promise<void> {
    const msgs = this.buffer;
    this.buffer = [];
    const shard = this.ctx.shard;
    await shard.ingest(this.ctx.clock.now(), (ts) => {
      const updates: Update[] = [];
      let bad = 0;
      let rereads = 0;
      let position = shard.position;
      for (const m of msgs) {
        if (m.seq <= position) {
          rereads++;
          continue;
        }
        position = m.seq;
        const c = m.change;
        if (c.kind === 'append') updates.push([c.row, ts, 1]);
        else if (c.kind === 'upsert') this.state!.apply(c.key, c.row, ts, updates);
        else if (c.kind === 'bad') bad++;
      }
      return { updates, extras: { position, badMessages: bad, upstreamRereads: rereads } };
    });
  }

  /** The change a message asks for; a bad one's reason is kept. */
  private toChange(m: JsMsg): Change {
    let payload: unknown = null;
    if (m.data.length > 0) {
      try {
        // parseJsonExact: a numeric's or bigint's digits as written, never rounded through a double.
        payload = this.spec.format === 'json' ? parseJsonExact(new TextDecoder().decode(m.data)) : decode(m.data);
      } catch (err) {
        return this.bad(m.seq, `not ${this.spec.format}: ${(err as Error).message}`);
      }
    } else if (this.envelope.envelope === 'none') return this.bad(m.seq, 'empty payload');
    const change = changeOf(payload, m.headers?.get('Dfn-Key') || undefined, this.envelope);
    return change.kind === 'bad' ? this.bad(m.seq, change.reason) : change;
  }

  private bad(seq: number, reason: string): Change {
    this.lastBad = `seq ${seq}: ${reason}`;
    return { kind: 'bad', reason };
  }
}
