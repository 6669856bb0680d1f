/**
 * The JetStream sink actor (kind `sink`, one per sink, on a storage host): publishes every change
 * of a collection to a JetStream subject, exactly once across restarts of any process.
 *
 * Progress lives in the stream itself, as Materialize's Kafka sink keeps it in a progress topic:
 * every message names its time, its index among that time's messages and their count
 * (protocol/storage/sink.ts' headers). On start the sink reads the subject's last message: a
 * complete time `t` means "go on after t"; message `i` of `n` of time `t` means "publish t's
 * messages from i + 1". A time's messages are a pure function of its consolidated updates
 * (sink-messages.ts), so the rest is exactly what was not yet published. Every publish expects
 * the subject's last sequence (`Nats-Expected-Last-Subject-Sequence`), so nothing can slip in
 * between and a zombie incarnation is fenced; a lost ack is retried by the restarted sink with
 * the same message id (deduplicated). The sink's read hold on its collection (`sink:<id>`)
 * follows the last complete time, so the times it still has to publish stay readable.
 *
 * It stalls (status `stalled` with the reason, no crash loop) on what a restart cannot fix: its
 * subject holding messages it did not write, a key violation, an error row in its view.
 */
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { MessageSet } from '../../../protocol/message.js';
import { Describe } from '../../../protocol/storage/command.js';
import { StorageClient, type StorageSubscription } from '../../../protocol/storage/client.js';
import { SINK_HEADERS, type JetStreamSink } from '../../../protocol/storage/sink.js';
import type { SinkInfo } from '../../../protocol/storage/response.js';
import type { Update } from '../../../protocol/types.js';
import { InvalidRequestError } from '../../../protocol/errors.js';
import type { ActorBehavior, ActorContext, Reply } from '../../../runtime/actor.js';
import type { ActorKind } from '../../../runtime/host.js';
import { messagesAt, SinkKeyViolation, type SinkFormat } from './sink-messages.js';
import { PublishWindow } from './publish-window.js';

type SinkCommand = { type: 'Describe' };
const commands = new MessageSet<SinkCommand>([Describe]);
/** The read hold follows the published times at most this often. */
const HOLD_EVERY_MS = 1000;

export interface SinkConfig {
  spec: JetStreamSink;
}

/** Where to start: subscribe at `asOf` (with its snapshot or not) and skip the first `skip` messages of time `skipTime`. */
interface ResumePoint {
  asOf: number;
  snapshot: boolean;
  skipTime?: number;
  skip: number;
}

export class JetStreamSinkActor implements ActorBehavior<SinkCommand> {
  readonly commands = commands;
  private status: SinkInfo['sink']['status'] = 'starting';
  private reason: string | undefined;
  private upper = 0;
  private skippedOnResume = 0;
  private lastSeq = 0;
  private window!: PublishWindow;
  private resume: ResumePoint | undefined;
  private js!: JetStreamClient;
  private sub: StorageSubscription | undefined;
  private readonly pending = new Map<number, Update[]>();
  private chain: Promise<void> = Promise.resolve();
  private heldAt = 0;
  private holdSetAt = 0;
  private readonly format: SinkFormat;

  constructor(private readonly ctx: ActorContext) {
    const spec = this.spec;
    const keyIndexes = spec.key?.map((k) => spec.schema.findIndex((c) => c.name === k));
    const schema = spec.errors ? spec.schema.slice(0, -1) : spec.schema;
    this.format = { envelope: spec.envelope, format: spec.format, schema, ...(keyIndexes ? { keyIndexes } : {}) };
  }

  private get spec(): JetStreamSink {
    return (this.ctx.config as SinkConfig).spec;
  }

  async recover(): Promise<void> {
    if (!(this.ctx.config as SinkConfig | undefined)?.spec) throw new InvalidRequestError(`sink ${this.ctx.id} started without a spec`);
    const spec = this.spec;
    const nc = this.ctx.transport.nc;
    this.js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    let info = await jsm.streams.info(spec.stream).catch(() => undefined);
    if (!info) info = await jsm.streams.add({ name: spec.stream, subjects: [spec.subject] });
    const last = await jsm.streams.getMessage(spec.stream, { last_by_subj: spec.subject });
    this.resume = this.resumePoint(last ? { seq: last.seq, headers: last.header } : undefined);
    if (!this.resume) return;
    const subjects = info.config.subjects ?? [];
    const exclusive = subjects.length === 1 && subjects[0] === spec.subject && !info.config.sources?.length && !info.config.mirror;
    this.window = new PublishWindow(this.js, exclusive, this.lastSeq, (err) => this.failed(err));
    const storage = new StorageClient(this.ctx.transport, this.ctx.region);
    if (!this.resume.snapshot) {
      // The read hold follows the times published, and those include times after the last
      // message that needed none (progress alone): so since may have passed the last message's
      // time. Every time at or below since is published (since <= this sink's hold), so going on
      // after since skips nothing; subscribing at the last message's time would be refused.
      const since = (await storage.describe(spec.from)).since;
      if (since > this.resume.asOf) this.resume = { ...this.resume, asOf: since };
    }
    this.upper = this.resume.asOf + (this.resume.snapshot ? 0 : 1);
    this.heldAt = this.resume.asOf;
    this.sub = await storage.subscribe(
      spec.from,
      this.resume.asOf,
      {
        updates: (updates) => {
          for (const u of updates) {
            const at = this.pending.get(u[1]);
            if (at) at.push(u);
            else this.pending.set(u[1], [u]);
          }
        },
        progress: (frontier) => {
          const upper = frontier[0];
          this.chain = this.chain.then(() => this.publishBelow(upper ?? Infinity)).catch((err) => this.failed(err));
        },
        failed: (err) => this.stall(`its collection ${spec.from}: ${err.message}`),
      },
      { snapshot: this.resume.snapshot },
    );
    // The snapshot may have arrived, and stalled the sink, while `subscribe` was still answering.
    if (this.stalled) this.sub.cancel();
    else this.status = 'running';
  }

  async stop(): Promise<void> {
    this.sub?.cancel();
    await this.window?.drain().catch(() => undefined);
  }

  handle(): Reply {
    const spec = this.spec;
    return {
      type: 'SinkInfo',
      sink: {
        id: this.ctx.id, from: spec.from, stream: spec.stream, subject: spec.subject, status: this.status,
        ...(this.reason ? { reason: this.reason } : {}),
        upper: this.ackedUpper, published: this.published, skippedOnResume: this.skippedOnResume, lastSequence: this.lastSequence,
      },
    };
  }

  info(): Record<string, unknown> {
    return { status: this.status, reason: this.reason, upper: this.ackedUpper, published: this.published, lastSequence: this.lastSequence };
  }

  /** Messages acknowledged by JetStream (sent ones may be in flight). */
  private get published(): number {
    return this.window?.acked ?? 0;
  }

  /** The times below it are published and acknowledged. */
  private get ackedUpper(): number {
    return Math.min(this.upper, this.window?.oldestUnacked ?? Infinity);
  }

  private get lastSequence(): number {
    return this.window?.lastSequence ?? this.lastSeq;
  }

  /** Where the subject's last message says to go on; undefined (and stalled) when it is not this sink's. */
  private resumePoint(last: { seq: number; headers: { get(k: string): string } | undefined } | undefined): ResumePoint | undefined {
    const asOf = this.spec.asOf;
    if (!last) return { asOf, snapshot: true, skip: 0 };
    this.lastSeq = last.seq;
    const t = Number(last.headers?.get(SINK_HEADERS.time));
    const i = Number(last.headers?.get(SINK_HEADERS.index));
    const n = Number(last.headers?.get(SINK_HEADERS.count));
    if (![t, i, n].every(Number.isSafeInteger) || i < 0 || i >= n || t < asOf) {
      this.stall(`subject ${this.spec.subject} of stream ${this.spec.stream} holds messages this sink did not write (sequence ${last.seq})`);
      return undefined;
    }
    if (i === n - 1) return { asOf: t, snapshot: false, skip: 0 };
    return t === asOf ? { asOf, snapshot: true, skipTime: t, skip: i + 1 } : { asOf: t - 1, snapshot: false, skipTime: t, skip: i + 1 };
  }

  /** Publishes every buffered time below `upper`, in time order, then moves the read hold. */
  private async publishBelow(upper: number): Promise<void> {
    if (this.status === 'stalled' || !this.ctx.alive()) return;
    const times = [...this.pending.keys()].filter((t) => t < upper).sort((a, b) => a - b);
    for (const t of times) {
      const updates = this.pending.get(t)!;
      this.pending.delete(t);
      await this.publishTime(t, updates);
      if (this.stalled) return;
    }
    if (Number.isFinite(upper)) this.upper = Math.max(this.upper, upper);
    await this.moveHold();
  }

  private async publishTime(t: number, updates: Update[]): Promise<void> {
    let rows = updates;
    if (this.spec.errors) {
      const arity = this.spec.schema.length - 1;
      const error = updates.find((u) => u[0][arity] !== null && u[2] > 0);
      if (error) return this.stall(`its view has an error at time ${t}: ${String(error[0][arity])}`);
      rows = updates.map(([row, time, diff]) => [row.slice(0, arity), time, diff]);
    }
    let messages;
    try {
      messages = messagesAt(rows, this.format);
    } catch (err) {
      if (err instanceof SinkKeyViolation) return this.stall(`${err.message} (time ${t})`);
      throw err;
    }
    const from = this.resume?.skipTime === t ? this.resume.skip : 0;
    this.skippedOnResume += Math.min(from, messages.length);
    for (let i = from; i < messages.length; i++) {
      const m = messages[i]!;
      const h = natsHeaders();
      h.set(SINK_HEADERS.time, String(t));
      h.set(SINK_HEADERS.index, String(i));
      h.set(SINK_HEADERS.count, String(messages.length));
      if (m.key !== undefined) h.set(SINK_HEADERS.key, m.key);
      await this.window.publish({ subject: this.spec.subject, data: m.data, headers: h, msgID: `${this.ctx.id}:${t}:${i}`, time: t });
    }
  }

  /** Moves the read hold to the last time whose messages are all acknowledged. */
  private async moveHold(): Promise<void> {
    const complete = this.ackedUpper - 1;
    const now = this.ctx.clock.now();
    if (complete <= this.heldAt || now - this.holdSetAt < HOLD_EVERY_MS) return;
    await new StorageClient(this.ctx.transport, this.ctx.region).allowCompaction(this.spec.from, `sink:${this.ctx.id}`, [complete]);
    this.heldAt = complete;
    this.holdSetAt = now;
  }

  private get stalled(): boolean {
    return this.status === 'stalled';
  }

  private stall(reason: string): void {
    this.status = 'stalled';
    this.reason = reason;
    this.sub?.cancel();
  }

  /** A publish or storage error a restart can fix (a lost connection, a fenced write): the supervisor restarts the sink, which resumes from its stream. */
  private failed(err: unknown): void {
    if (this.ctx.alive() && this.status !== 'stalled') this.ctx.fail(err);
  }
}

export const sinkKind: ActorKind = {
  kind: 'sink',
  layer: 'storage',
  create: (ctx: ActorContext) => new JetStreamSinkActor(ctx),
};
