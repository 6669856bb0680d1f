/**
 * The drill's model of what it made through CONTROL (SQL): tables with the rows whose INSERT was
 * acknowledged (and those whose outcome is unknown), the materialized view over each table, the
 * counter sources with their check view, and the SQL subscriptions that stay connected across
 * every fault. Nothing here talks to the platform.
 */
import type { SinkModel } from './sql-sinks.js';

/** A SQL table `name (k int NOT NULL, v int)` and its materialized view `name_agg`. */
export interface SqlTableModel {
  name: string;
  view: string;
  acknowledged: Set<number>;
  unknown: Set<number>;
  nextKey: number;
  subscriber?: SqlSubscriberModel;
  /** Its view's upsert sink (drill/sql-sinks.ts), once created. */
  sink?: SinkModel;
}

/** A counter source `name` and its check view `name_check` (min, max, count, count distinct). */
export interface SqlCounterModel {
  name: string;
  view: string;
}

/**
 * What one SUBSCRIBE delivered. Updates at times at or after the last progress are pending: a
 * resumed subscription (AS OF the last progress) sends them again, so they count only once
 * progress has passed them.
 */
export class SqlSubscriberModel {
  subscription: string | undefined;
  /** Net diff per row (JSON) of every update before `frontier`. */
  readonly counts = new Map<string, number>();
  private pending: Array<[string, number, number]> = [];
  /** Every update at a time < frontier has been delivered (the last progress). */
  frontier = 0;
  nextSeq = 0;
  lastBatchAt = Date.now();
  resumes = 0;
  ended: string | undefined;
  readonly problems: string[] = [];
  /** Fault injection for the broken drill: drop the n-th delivered update (0 = never). */
  dropNth = 0;
  private delivered = 0;

  constructor(readonly object: string) {}

  /** A batch of the current subscription; false when it shows a gap (resume). */
  onBatch(seq: number, updates: Array<[unknown[], number, number]>, progress: number | undefined): boolean {
    this.lastBatchAt = Date.now();
    if (seq !== this.nextSeq) return false;
    this.nextSeq++;
    for (const [row, time, diff] of updates) {
      this.delivered++;
      if (this.dropNth > 0 && this.delivered === this.dropNth) continue;
      if (time < this.frontier) this.problems.push(`${this.object}: update at ${time} behind the delivered progress ${this.frontier}`);
      this.pending.push([JSON.stringify(row), time, diff]);
    }
    if (progress !== undefined) {
      if (progress < this.frontier) this.problems.push(`${this.object}: progress went backwards ${this.frontier} -> ${progress}`);
      this.frontier = Math.max(this.frontier, progress);
      const done = this.pending.filter((p) => p[1] < this.frontier);
      this.pending = this.pending.filter((p) => p[1] >= this.frontier);
      for (const [row, , diff] of done) this.counts.set(row, (this.counts.get(row) ?? 0) + diff);
    }
    return true;
  }

  /** A new subscription resumes at `frontier`: what was pending will be sent again. */
  resumed(subscription: string): void {
    this.subscription = subscription;
    this.pending = [];
    this.nextSeq = 0;
    this.resumes++;
    this.lastBatchAt = Date.now();
  }
}

export class SqlModel {
  readonly tables = new Map<string, SqlTableModel>();
  readonly counters = new Map<string, SqlCounterModel>();
  private created = 0;

  newName(prefix: string): string {
    this.created++;
    return `${prefix}${this.created}`;
  }

  writesAcknowledged(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.acknowledged.size;
    return n;
  }
}
