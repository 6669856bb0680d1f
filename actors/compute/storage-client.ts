/**
 * STORAGE as a cluster uses it (the `StoragePort` of ports.ts), over the STORAGE protocol with
 * protocol/storage/client.ts: resumable, unconsolidated subscriptions to inputs, frontiers,
 * snapshots, and compare-and-append for sinks (retried with the same token when the outcome is
 * unknown).
 */
import { StorageClient } from '../../protocol/storage/client.js';
import type { Transport } from '../../runtime/transport.js';
import type { AppendOutcome, CollectionListener, CollectionSubscription, StoragePort } from './ports.js';
import type { Row, Update } from '../../protocol/types.js';

export class NatsStoragePort implements StoragePort {
  private readonly client: StorageClient;

  constructor(transport: Transport, region: string) {
    this.client = new StorageClient(transport, region);
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
    return { since: d.since, upper: d.upper };
  }

  snapshot(collection: string, asOf: number): Promise<Array<[Row, number]>> {
    return this.client.snapshot(collection, asOf, true);
  }

  async compareAndAppend(args: { collection: string; writer: string; token: string; expectedUpper: number; newUpper: number; updates: Update[] }): Promise<AppendOutcome> {
    const r = await this.client.compareAndAppend(args);
    return r.ok ? { ok: true } : { ok: false, currentUpper: r.currentUpper };
  }
}
