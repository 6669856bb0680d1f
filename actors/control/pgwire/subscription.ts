/**
 * A SUBSCRIBE read by a pgwire connection (a cursor's FETCH, or COPY (SUBSCRIBE ...) TO STDOUT):
 * the snapshot at the chosen AS OF, then every later update, as rows `mz_timestamp, mz_diff,
 * cols...` (the columns the NATS SUBSCRIBE gives, session-subscribe.ts) in time order, queued
 * until the connection takes them. Back-pressure: when more than HIGH rows wait (the client does
 * not read), the STORAGE subscription is cancelled, the rows at times not yet closed by a progress
 * are dropped, and once the queue is below LOW it resubscribes from that progress without a
 * snapshot, so nothing is missed or repeated and the queue stays bounded (its read hold keeps
 * that history meanwhile).
 */
import { splitUpdates } from '../../../protocol/error-column.js';
import type { StorageSubscription } from '../../../protocol/storage/client.js';
import type { Row, Update } from '../../../protocol/types.js';
import type { SessionBackend } from '../session-backend.js';

const HIGH = 50_000;
const LOW = 5_000;

export interface ColumnOf {
  name: string;
  type: string;
}

export class PgSubscription {
  private readonly queue: Array<{ time: number; row: Row }> = [];
  private head = 0;
  private storage: StorageSubscription | undefined;
  private progress: number | undefined;
  private paused = false;
  private ended: string | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  /** Counts STORAGE subscriptions opened: callbacks of a cancelled one are ignored. */
  private generation = 0;

  private constructor(
    private readonly backend: SessionBackend,
    private readonly id: string,
    private readonly collection: string,
    private readonly errors: boolean,
    readonly columns: ColumnOf[],
  ) {}

  /** Starts `SUBSCRIBE [TO] name [AS OF t]` (`asOf`: the transaction's timestamp, if it has one). */
  static async open(backend: SessionBackend, text: string, asOfDefault?: number): Promise<PgSubscription> {
    const target = await backend.subscribeStart({ sql: text, resumable: false, ...(asOfDefault !== undefined ? { asOfDefault } : {}) });
    const columns = [{ name: 'mz_timestamp', type: 'numeric' }, { name: 'mz_diff', type: 'bigint' }, ...target.columns];
    const sub = new PgSubscription(backend, target.subscription, target.collection, target.errors, columns);
    try {
      await sub.subscribe(target.asOf, true);
    } catch (err) {
      await backend.subscribeRelease(target.subscription);
      throw err;
    }
    return sub;
  }

  /** Rows waiting now. */
  get available(): number {
    return this.queue.length - this.head;
  }

  /** Up to `max` waiting rows; an ended stream with nothing left throws its reason. */
  take(max: number): Row[] {
    const n = Math.min(max, this.available);
    const out: Row[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.queue[this.head + i]!.row;
    this.head += n;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.paused && this.available < LOW && !this.closed) this.resume();
    return out;
  }

  /** Why the stream ended (the subscribed relation was dropped, or failed), if it did. */
  get endedReason(): string | undefined {
    return this.available === 0 ? this.ended : undefined;
  }

  /** Resolves when a row waits, the stream ended, `abort` resolves, or after `timeoutMs` (undefined: no limit). */
  async wait(timeoutMs: number | undefined, abort: Promise<unknown>): Promise<void> {
    if (this.available > 0 || this.ended || this.closed) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        this.wake = resolve;
        if (timeoutMs !== undefined) timer = setTimeout(resolve, timeoutMs);
      }),
      abort,
    ]).finally(() => {
      clearTimeout(timer);
      this.wake = undefined;
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.storage?.cancel();
    this.storage = undefined;
    void this.backend.subscribeRelease(this.id).catch(() => undefined);
    this.wake?.();
  }

  private push(updates: Update[]): void {
    const sorted = updates.length > 1 ? [...updates].sort((a, b) => a[1] - b[1]) : updates;
    for (const [row, time, diff] of sorted) this.queue.push({ time, row: [time, diff, ...row] });
    if (this.available > HIGH && !this.paused && this.progress !== undefined) this.pause();
    this.wake?.();
  }

  private end(reason: string): void {
    this.ended ??= reason;
    this.storage?.cancel();
    this.storage = undefined;
    this.wake?.();
  }

  private pause(): void {
    this.paused = true;
    this.storage?.cancel();
    this.storage = undefined;
    const from = this.progress!;
    // Rows at times >= the last progress come again when the stream resumes from there.
    let keep = this.queue.length;
    while (keep > this.head && this.queue[keep - 1]!.time >= from) keep--;
    this.queue.length = keep;
  }

  private resume(): void {
    this.paused = false;
    this.subscribe(this.progress! - 1, false).catch((err: Error) => this.end(`failed: ${err.message}`));
  }

  private async subscribe(asOf: number, snapshot: boolean): Promise<void> {
    const generation = ++this.generation;
    const storage = await this.backend.storage.subscribe(
      this.collection,
      asOf,
      {
        updates: (u) => {
          if (generation !== this.generation || this.paused) return;
          if (!this.errors) return u.length > 0 ? this.push(u) : undefined;
          const split = splitUpdates(u);
          if (split.data.length > 0) this.push(split.data);
          const error = split.errors.find(([, , diff]) => diff > 0);
          if (error) this.end(`failed: ${String(error[0])}`);
        },
        progress: (upper) => {
          if (generation !== this.generation) return;
          if (upper.length === 0) return this.end('dropped');
          if (this.paused) return;
          this.progress = upper[0]!;
          this.backend.subscribeProgressed(this.id, upper[0]! - 1);
        },
        failed: (err) => this.end(`failed: ${err.message}`),
      },
      { snapshot },
    );
    if (this.closed || this.paused || this.ended) storage.cancel();
    else this.storage = storage;
  }
}
