/**
 * A sink's publishes in flight, in order, each fenced on the one before it (docs/sinks.md,
 * "Pipelining").
 *
 * Every publish carries `Nats-Expected-Last-Subject-Sequence`: the sequence its predecessor got.
 * Sequential mode waits for each ack to learn it. On a stream whose only subject is the sink's
 * (`exclusive`), no other subject takes sequences, so the predecessor's sequence is known before
 * its ack (the one before it, plus one) and up to `WINDOW` publishes fly at once. Each of them
 * also expects its predecessor's message id (`Nats-Expected-Last-Msg-Id`; JetStream clears the
 * stream's last id when a message without one lands), so a message published on the subject by
 * anyone else makes every later one in the window fail instead of landing after a gap. NATS
 * keeps one connection's messages in order, so the window lands in order or fails from the
 * first refused publish on; any failure or an ack at another sequence than predicted fails the
 * sink, whose restart resumes from the subject's last message.
 */
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';

/** Publishes in flight at most, on an exclusive stream. */
export const WINDOW = 256;

interface InFlight {
  time: number;
  /** The sequence it must land at (exclusive streams), else -1. */
  seq: number;
  ack: Promise<PubAck>;
  result?: PubAck;
  error?: unknown;
}

export interface Publish {
  subject: string;
  data: Uint8Array;
  headers: MsgHdrs;
  msgID: string;
  /** The time the message belongs to. */
  time: number;
}

export class PublishWindow {
  private readonly inflight: InFlight[] = [];
  /** The sequence the last message sent (or found on the subject) has or will have. */
  private lastSent: number;
  private lastMsgID: string | undefined;
  private lastAcked: number;
  private error: unknown;
  /** Messages acknowledged. */
  acked = 0;

  /** `onError` hears a failed publish even when no call is waiting (acks settle in the background). */
  constructor(
    private readonly js: JetStreamClient,
    private readonly exclusive: boolean,
    lastSeq: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.lastSent = lastSeq;
    this.lastAcked = lastSeq;
  }

  /** The subject's last sequence acknowledged by JetStream. */
  get lastSequence(): number {
    return this.lastAcked;
  }

  /** The earliest time with a message not yet acknowledged (Infinity when none is in flight). */
  get oldestUnacked(): number {
    return this.inflight[0]?.time ?? Infinity;
  }

  /** Sends `p` behind every message sent before it; resolves once another may be sent. */
  async publish(p: Publish): Promise<void> {
    this.check();
    const expect = { lastSubjectSequence: this.lastSent, ...(this.lastMsgID !== undefined ? { lastMsgID: this.lastMsgID } : {}) };
    const entry: InFlight = { time: p.time, seq: -1, ack: this.js.publish(p.subject, p.data, { msgID: p.msgID, expect, headers: p.headers }) };
    if (this.exclusive) {
      entry.seq = ++this.lastSent;
      this.lastMsgID = p.msgID;
    }
    this.inflight.push(entry);
    entry.ack.then(
      (a) => { entry.result = a; this.settle(); },
      (e) => { entry.error = e; this.settle(); },
    );
    if (!this.exclusive || this.inflight.length >= WINDOW) await this.oldest();
  }

  /** Waits for every message sent. */
  async drain(): Promise<void> {
    while (this.inflight.length > 0) await this.oldest();
    this.check();
  }

  private async oldest(): Promise<void> {
    await this.inflight[0]?.ack.catch(() => undefined);
    this.check();
  }

  private check(): void {
    if (this.error !== undefined) throw this.error;
  }

  /** Takes the acknowledged messages off the front, in order. */
  private settle(): void {
    while (this.inflight.length > 0 && this.error === undefined) {
      const first = this.inflight[0]!;
      if (first.error !== undefined) return this.fail(first.error);
      if (!first.result) return;
      this.inflight.shift();
      if (first.seq === -1) this.lastSent = first.result.seq;
      else if (first.result.seq !== first.seq) {
        return this.fail(new Error(`a publish landed at sequence ${first.result.seq}, not ${first.seq}: the subject changed under the sink`));
      }
      this.lastAcked = first.result.seq;
      this.acked++;
    }
  }

  private fail(err: unknown): void {
    this.error = err;
    this.onError(err);
  }
}
