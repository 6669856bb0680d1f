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
 */
import { jetstream, DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { JetStreamSource } from '../../../protocol/storage/source.js';
import type { Row, Update, Value } from '../../../protocol/types.js';
import { decode } from '../../../protocol/codec.js';
import { fits } from '../validate.js';
import type { DriverContext, SourceDriver } from './driver.js';

const IDLE_TICK_MS = 1000;
const RETRY_MS = 1000;

export class JetStreamDriver implements SourceDriver {
  private running = false;
  private messages: ConsumerMessages | undefined;
  private idle: NodeJS.Timeout | undefined;
  private buffer: Array<{ seq: number; row: Row | undefined }> = [];
  private lastCommitAt = 0;
  private fetched = 0;
  private lastBad: string | undefined;

  constructor(
    private readonly spec: JetStreamSource,
    private readonly ctx: DriverContext,
  ) {}

  start(): void {
    this.running = true;
    this.idle = setInterval(() => {
      if (!this.ctx.alive()) return this.stop();
      if (this.ctx.clock.now() - this.lastCommitAt >= IDLE_TICK_MS) void this.flush().catch((e) => this.crash(e));
    }, IDLE_TICK_MS);
    void this.run();
  }

  stop(): void {
    this.running = false;
    if (this.idle) clearInterval(this.idle);
    this.messages?.stop();
  }

  info(): Record<string, unknown> {
    return { stream: this.spec.stream, sequence: this.ctx.shard.position, fetched: this.fetched, lastBadMessage: this.lastBad };
  }

  private crash(err: unknown): void {
    if (this.running && this.ctx.alive()) this.ctx.fail(err);
  }

  private async run(): Promise<void> {
    while (this.running && this.ctx.alive()) {
      try {
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
          this.buffer.push({ seq: m.seq, row: this.toRow(m) });
          if (this.buffer.length >= (this.spec.batchSize ?? 1000) || m.info.pending === 0) await this.flush();
        }
      } catch (err) {
        if (!this.running) return;
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
        if (m.row) updates.push([m.row, ts, 1]);
        else bad++;
      }
      return { updates, extras: { position, badMessages: bad, upstreamRereads: rereads } };
    });
    this.lastCommitAt = this.ctx.clock.now();
  }

  /** The row of a message, or undefined (and the reason kept) when it does not fit the schema. */
  private toRow(m: JsMsg): Row | undefined {
    let payload: unknown;
    try {
      payload = this.spec.format === 'json' ? JSON.parse(new TextDecoder().decode(m.data)) : decode(m.data);
    } catch (err) {
      this.lastBad = `seq ${m.seq}: not ${this.spec.format}: ${(err as Error).message}`;
      return undefined;
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      this.lastBad = `seq ${m.seq}: payload is not an object`;
      return undefined;
    }
    const obj = payload as Record<string, unknown>;
    const row: Value[] = [];
    for (const col of this.spec.schema) {
      const v = obj[col.name] === undefined ? null : (obj[col.name] as Value);
      if (!fits(v, col)) {
        this.lastBad = `seq ${m.seq}: column "${col.name}" (${col.type}) cannot hold ${JSON.stringify(obj[col.name])}`;
        return undefined;
      }
      row.push(v);
    }
    return row;
  }
}
