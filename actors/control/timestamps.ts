/**
 * CONTROL's view of a timeline oracle (protocol/control/timeline.ts): a thin NATS client for
 * `WriteTs`, `ReadTs` and `ApplyWrite`. It keeps no state: the oracle is the only authority.
 * `readTs` reads the oracle in-process when it runs here (the coordinator's host; see timeline.ts).
 */
import { timelineSubject, type TimestampReply } from '../../protocol/control/timeline.js';
import type { Transport } from '../../runtime/transport.js';
import { localReadTs } from './timeline.js';

/**
 * The actor id of timeline `name`'s oracle. Actor ids are unique per host, and the environment
 * host already runs the storage controller as `main`, so the oracle's id carries a prefix.
 */
export function timelineActorId(name: string): string {
  return `timeline-${name}`;
}

export class TimelineClient {
  private readonly subject: string;
  constructor(
    private readonly transport: Transport,
    region: string,
    name: string,
  ) {
    this.subject = timelineSubject(region, timelineActorId(name));
  }

  async writeTs(): Promise<number> {
    return (await this.transport.request<TimestampReply>(this.subject, { type: 'WriteTs' }, { timeoutMs: 30_000 })).ts;
  }

  async readTs(): Promise<number> {
    const local = localReadTs(this.subject);
    if (local !== undefined) return local;
    return (await this.transport.request<TimestampReply>(this.subject, { type: 'ReadTs' }, { timeoutMs: 30_000 })).ts;
  }

  async applyWrite(ts: number): Promise<number> {
    return (await this.transport.request<TimestampReply>(this.subject, { type: 'ApplyWrite', ts }, { timeoutMs: 30_000 })).readTs;
  }
}
