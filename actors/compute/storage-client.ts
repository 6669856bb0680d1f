/**
 * STORAGE as a cluster uses it (the `StoragePort` of ports.ts), over the STORAGE protocol with
 * protocol/storage/client.ts: resumable, unconsolidated subscriptions to inputs, frontiers,
 * snapshots, and compare-and-append for sinks (retried with the same token when the outcome is
 * unknown); sinks' empty appends go batched per storage host (upper-batcher.ts).
 */
import { StorageClient } from '../../protocol/storage/client.js';
import type { Transport } from '../../runtime/transport.js';
import type { AppendOutcome, CollectionListener, CollectionSubscription, StoragePort } from './ports.js';
import type { Row, Update } from '../../protocol/types.js';
import { UpperBatcher } from './upper-batcher.js';

export class NatsStoragePort implements StoragePort {
  private readonly client: StorageClient;
  /** The storage host of each collection seen in a Describe (where its AdvanceUppers goes). */
  private readonly hosts = new Map<string, string>();
  private readonly uppers: UpperBatcher;

  constructor(transport: Transport, region: string) {
    this.client = new StorageClient(transport, region);
    this.uppers = new UpperBatcher(transport, region, (item) => this.appendAlone({ ...item, updates: [] }));
  }

  /**
   * Asks for the stored updates unconsolidated (`consolidated: false`): the engine consolidates
   * them itself, so STORAGE forwards its stored bytes instead of decoding, consolidating and
   * re-encoding them, and they are decoded here straight into the engine's input.
   */
  subscribe(collection: string, asOf: number, listener: CollectionListener): Promise<CollectionSubscription> {
    return this.client.subscribe(collection, asOf, listener, { consolidated: false });
  }

  async frontiers(collection: string): Promise<{ since: number; upper: number }> {
    const d = await this.client.describe(collection);
    if (d.host) this.hosts.set(collection, d.host);
    // What compare-and-append expects (a view following txns reads further than it holds).
    return { since: d.since, upper: d.writeUpper ?? d.upper };
  }

  snapshot(collection: string, asOf: number): Promise<Array<[Row, number]>> {
    return this.client.snapshot(collection, asOf, true);
  }

  /** An empty append (a sink moving its upper) goes with the others to its host, batched. */
  compareAndAppend(args: { collection: string; writer: string; token: string; expectedUpper: number; newUpper: number; updates: Update[]; follow?: string[] }): Promise<AppendOutcome> {
    const host = this.hosts.get(args.collection);
    if (args.updates.length === 0 && host !== undefined) {
      const { updates: _none, ...item } = args;
      return this.uppers.advance(host, item);
    }
    return this.appendAlone(args);
  }

  private async appendAlone(args: { collection: string; writer: string; token: string; expectedUpper: number; newUpper: number; updates: Update[]; follow?: string[] }): Promise<AppendOutcome> {
    const { follow: _alone, ...append } = args; // a single Append cannot ask to follow
    const r = await this.client.compareAndAppend(append);
    return r.ok ? { ok: true } : { ok: false, currentUpper: r.currentUpper };
  }
}
