/**
 * CONTROL's view of a timeline oracle (protocol/control/timeline.ts): a thin NATS client for
 * `WriteTs`, `ReadTs` and `ApplyWrite`. It keeps no state: the oracle is the only authority.
 * `readTs` reads the oracle in-process when it runs here (the coordinator's host; see timeline.ts).
 */
import { timelineSubject, type TimestampReply } from '../../protocol/control/timeline.js';
import type { Transport } from '../../runtime/transport.js';
import { localReadTs } from './timeline.js';
import { isErrorCode, isTransient } from '../../protocol/errors.js';

/**
 * The actor id of timeline `name`'s oracle. Actor ids are unique per host, and the environment
 * host already runs the storage controller as `main`, so the oracle's id carries a prefix.
 */
export function timelineActorId(name: string): string {
  return `timeline-${name}`;
}

/**
 * How long one request to the oracle waits for its reply. A request whose reply is lost (sent just
 * as nats-server restarts) is asked again after this, not after the whole deadline: with one 30 s
 * timeout, a drill's SELECT waited 28.7 s behind a lost WriteTs (docs/control.md).
 */
const ATTEMPT_MS = 2_000;
/** How long a call keeps asking (the oracle may be restarting with its host). */
const DEADLINE_MS = 30_000;

export class TimelineClient {
  private readonly subject: string;
  constructor(
    private readonly transport: Transport,
    region: string,
    name: string,
  ) {
    this.subject = timelineSubject(region, timelineActorId(name));
  }

  /** A new write timestamp. A retry may hand out another one: the first is then never used (a gap, which is harmless). */
  async writeTs(): Promise<number> {
    return (await this.ask({ type: 'WriteTs' })).ts;
  }

  async readTs(): Promise<number> {
    const local = localReadTs(this.subject);
    if (local !== undefined) return local;
    return (await this.ask({ type: 'ReadTs' })).ts;
  }

  /** Idempotent: asking again is safe. */
  async applyWrite(ts: number): Promise<number> {
    return (await this.ask({ type: 'ApplyWrite', ts })).readTs;
  }

  /** The oracle's reply, asked again on a timeout, no responders or an unavailable server until DEADLINE_MS. */
  private async ask(message: { type: string; [key: string]: unknown }): Promise<TimestampReply> {
    const deadline = Date.now() + DEADLINE_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.transport.request<TimestampReply>(this.subject, message, { timeoutMs: Math.max(1, Math.min(ATTEMPT_MS, deadline - Date.now())) });
      } catch (err) {
        if (!isTransient(err) || Date.now() >= deadline) throw err;
        if (!isErrorCode(err, 'Timeout')) await new Promise((r) => setTimeout(r, Math.min(500, 25 * 2 ** Math.min(attempt, 5))));
      }
    }
  }
}
