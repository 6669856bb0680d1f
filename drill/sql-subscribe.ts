/**
 * The drill's SQL subscribers: `SUBSCRIBE name WITH (PROGRESS)` through CONTROL to an inbox,
 * kept for the table's whole life. A subscriber whose session is gone (a CONTROL restart), or
 * whose batches show a gap, resumes the way a client must: a new session and `Subscribe` with
 * `asOf` = the last progress it received. Its model (sql-model.ts) then holds exactly what the
 * stream delivered, so validations can compare it with the table at that progress.
 */
import { decode } from '../protocol/codec.js';
import type { SubscribeBatch, SubscribeStarted } from '../protocol/control/response.js';
import { SqlError } from '../protocol/control/errors.js';
import type { Transport } from '../runtime/transport.js';
import type { Subscription } from '@nats-io/transport-node';
import { DrillSql } from './sql-client.js';
import { SqlSubscriberModel } from './sql-model.js';

export class SqlSubscriber {
  readonly model: SqlSubscriberModel;
  private readonly sql: DrillSql;
  private readonly inbox: string;
  private sub: Subscription | undefined;
  private gap = false;

  constructor(
    private readonly transport: Transport,
    region: string,
    readonly object: string,
  ) {
    this.model = new SqlSubscriberModel(object);
    this.sql = new DrillSql(transport, region, `drill-subscriber-${object}`);
    this.inbox = `_INBOX.drill.${object}.${Math.random().toString(36).slice(2)}`;
  }

  /** Subscribes from the current read timestamp, with a snapshot. */
  async start(): Promise<void> {
    this.sub = this.transport.subscribe(this.inbox, (m) => this.onMessage(decode(m.data) as SubscribeBatch));
    await this.transport.nc.flush();
    await this.request(undefined, false);
  }

  /**
   * Makes sure the stream is live: the session answers and no gap was seen; otherwise resumes
   * from the last progress. Returns what it did, for the step log.
   */
  async ensureLive(): Promise<string | undefined> {
    if (this.model.ended) return undefined;
    let alive = !this.gap;
    if (alive) {
      try {
        await this.transport.request(await this.sql.subject(), { type: 'KeepAlive' }, { timeoutMs: 3000 });
      } catch {
        this.sql.lost();
        alive = false;
      }
    }
    if (alive) return undefined;
    this.gap = false;
    // Before any progress nothing counts yet: start over with a snapshot.
    const at = this.model.frontier > 0 ? this.model.frontier : undefined;
    await this.request(at, true);
    return at !== undefined ? `resumed ${this.object} at ${at}` : `subscribed to ${this.object} again`;
  }

  cancel(): void {
    this.model.ended = 'canceled by the drill';
    this.sub?.unsubscribe();
  }

  private async request(asOf: number | undefined, resume: boolean): Promise<void> {
    for (;;) {
      try {
        const subject = await this.sql.subject();
        const started = await this.transport.request<SubscribeStarted>(
          subject,
          { type: 'Subscribe', sql: `SUBSCRIBE ${this.object} WITH (PROGRESS)`, inbox: this.inbox, progress: true, ...(asOf !== undefined ? { asOf } : {}) },
          { timeoutMs: 10_000 },
        );
        if (resume) this.model.resumed(started.subscription);
        else this.model.subscription = started.subscription;
        return;
      } catch (err) {
        // A refusal (e.g. 72000: the resume point was compacted away) is final: the stream failed.
        if (err instanceof SqlError) {
          this.model.ended = `failed: ${err.message}`;
          throw err;
        }
        this.sql.lost();
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private onMessage(b: SubscribeBatch): void {
    if (b.subscription !== this.model.subscription || this.model.ended) return;
    if (!this.model.onBatch(b.seq, b.updates as Array<[unknown[], number, number]>, b.progress)) this.gap = true;
    if (b.ended === 'dropped') this.model.ended = 'dropped';
    else if (b.ended && b.ended !== 'canceled') this.gap = true; // the session went away under it: resume
  }
}
