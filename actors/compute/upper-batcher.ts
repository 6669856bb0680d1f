/**
 * Empty compare-and-appends of a cluster's sinks, gathered per storage host: the sinks of idle
 * materialized views all move their uppers when their inputs' frontiers move, and instead of one
 * Append request each, the appends asked for in one event-loop turn go to each storage host as
 * one AdvanceUppers (protocol/storage/txns.ts), which the host applies in-process and in one
 * group commit. An item the host could not apply (or a batch whose reply is lost) is sent again
 * alone, as an Append with the same token, so its outcome is exactly that of an Append.
 */
import { StorageErrorCode } from '../../protocol/storage/errors.js';
import { txnsSubject } from '../../protocol/storage/subjects.js';
import type { UppersAdvanced } from '../../protocol/storage/txns.js';
import type { Transport } from '../../runtime/transport.js';
import type { AppendOutcome } from './ports.js';

export interface EmptyAppend {
  collection: string;
  writer: string;
  token: string;
  expectedUpper: number;
  newUpper: number;
  follow?: string[];
}

type Pending = { item: EmptyAppend; resolve: (o: AppendOutcome) => void; reject: (e: unknown) => void };

/** Items per AdvanceUppers (the protocol's limit). */
const ITEMS_PER_REQUEST = 10_000;
const REQUEST_TIMEOUT_MS = 5_000;

export class UpperBatcher {
  private readonly pending = new Map<string, Pending[]>();
  private scheduled = false;
  /** Requests sent and items carried (for info and tests). */
  requests = 0;
  items = 0;

  constructor(
    private readonly transport: Transport,
    private readonly region: string,
    /** The single append, for what a batch could not settle. */
    private readonly single: (item: EmptyAppend) => Promise<AppendOutcome>,
  ) {}

  /** An empty compare-and-append of a collection on storage host `host`. */
  advance(host: string, item: EmptyAppend): Promise<AppendOutcome> {
    return new Promise((resolve, reject) => {
      let list = this.pending.get(host);
      if (!list) this.pending.set(host, (list = []));
      list.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = [...this.pending];
    this.pending.clear();
    for (const [host, list] of all) {
      for (let i = 0; i < list.length; i += ITEMS_PER_REQUEST) void this.send(host, list.slice(i, i + ITEMS_PER_REQUEST));
    }
  }

  private async send(host: string, list: Pending[]): Promise<void> {
    this.requests++;
    this.items += list.length;
    let reply: UppersAdvanced;
    try {
      reply = await this.transport.request<UppersAdvanced>(txnsSubject(this.region, host), { type: 'AdvanceUppers', items: list.map((p) => p.item) }, { timeoutMs: REQUEST_TIMEOUT_MS });
    } catch {
      // Lost, refused or the host is restarting: each alone, with its token (a duplicate of an
      // applied one is answered as one).
      for (const p of list) this.settleAlone(p);
      return;
    }
    list.forEach((p, i) => {
      const r = reply.results[i];
      if (r?.ok) p.resolve(r.following ? { ok: true, following: true } : { ok: true });
      else if (r && r.code === StorageErrorCode.UpperMismatch && typeof r.currentUpper === 'number') p.resolve({ ok: false, currentUpper: r.currentUpper });
      else this.settleAlone(p);
    });
  }

  private settleAlone(p: Pending): void {
    this.single(p.item).then(p.resolve, p.reject);
  }
}
