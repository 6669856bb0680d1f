/**
 * The drill's model of what the platform must hold: every source it created (and not dropped),
 * each table's acknowledged (and outcome-unknown) rows, each JetStream stream's acknowledged
 * messages, the highest frontier seen per collection, and the host identities that an
 * orchestrator restart must leave untouched.
 */
import type { Frontier, Update } from '../protocol/types.js';
import type { StorageSubscription } from '../protocol/storage/client.js';

export type SourceKind = 'table' | 'counter' | 'jetstream';

export interface SourceModel {
  id: string;
  kind: SourceKind;
  /** JetStream: the stream and subject it ingests. */
  stream?: string;
  /** Row keys whose write (table append or JetStream publish) was acknowledged. */
  acknowledged: Set<number>;
  /** Row keys whose write outcome is unknown (request failed after retries): 0 or 1 copy is fine. */
  unknown: Set<number>;
  nextKey: number;
  /** Highest `upper` seen; it must never go backwards. */
  maxUpper: number;
  /** JetStream: the stream sequence of the last acknowledged publish. */
  lastSeq: number;
  subscriber?: SubscriberModel;
}

/** What one subscription delivered, kept per row key. */
export class SubscriberModel {
  sub: StorageSubscription | undefined;
  /** Net diff per row key across every delivered update. */
  readonly counts = new Map<number, number>();
  /** Every update at a time < frontier has been delivered. */
  frontier = 0;
  ended = false;
  /** Problems seen while receiving (progress backwards, update behind the frontier). */
  readonly problems: string[] = [];
  /** Fault injection for the broken drill: drop the n-th delivered update (0 = never). */
  dropNth = 0;
  private delivered = 0;

  constructor(readonly collection: string) {}

  onUpdates(updates: Update[]): void {
    for (const [row, time, diff] of updates) {
      this.delivered++;
      if (this.dropNth > 0 && this.delivered === this.dropNth) continue;
      if (time < this.frontier) this.problems.push(`update at ${time} behind the delivered frontier ${this.frontier}`);
      const key = row[0] as number;
      this.counts.set(key, (this.counts.get(key) ?? 0) + diff);
    }
  }

  onProgress(upper: Frontier): void {
    const t = upper[0];
    if (t === undefined) return;
    if (t < this.frontier) this.problems.push(`progress went backwards: ${this.frontier} -> ${t}`);
    this.frontier = Math.max(this.frontier, t);
  }
}

export interface HostIdentity {
  pid: number;
  incarnation: string;
  restarts: number;
}

export class DrillModel {
  readonly sources = new Map<string, SourceModel>();
  private created = 0;

  newId(kind: SourceKind): string {
    this.created++;
    return `${kind === 'counter' ? 'ctr' : kind === 'table' ? 'tbl' : 'js'}${this.created}`;
  }

  add(id: string, kind: SourceKind, stream?: string): SourceModel {
    const m: SourceModel = { id, kind, acknowledged: new Set(), unknown: new Set(), nextKey: 1, maxUpper: 0, lastSeq: 0, ...(stream ? { stream } : {}) };
    this.sources.set(id, m);
    return m;
  }

  ofKind(kind: SourceKind): SourceModel[] {
    return [...this.sources.values()].filter((s) => s.kind === kind);
  }

  writesAcknowledged(): number {
    let n = 0;
    for (const s of this.sources.values()) n += s.acknowledged.size;
    return n;
  }
}
