/**
 * The subscriptions of one storage host whose progress follows the host's txns upper
 * (docs/decoupling.md, "Subscriptions that follow the transaction log"): a subscription to a
 * table sealed by txns that has delivered every update of the table's own upper stops being
 * pumped per advance; it is told once (`follow`), and from then on each advance costs one entry
 * per subscriber inbox (`txns`), not one per subscription. A write to the table ends it
 * (`unfollow`, at the moment the append is decided, before any txns advance can pass it).
 */
import type { Transport } from '../../runtime/transport.js';
import { progressOutboxOf, type TxnsSource } from './subscription-progress.js';
import type { TxnsFrontier } from './txns-frontier.js';

/** Also the TxnsSource its outbox entries name: the host and its txns upper, read at each flush. */
export class TxnsFollowers implements TxnsSource {
  /** Followers per subscriber inbox. */
  private readonly byInbox = new Map<string, Set<string>>();
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly transport: Transport,
    readonly host: string,
    private readonly frontier: TxnsFrontier,
  ) {}

  get upper(): number {
    return this.frontier.upper;
  }

  /** Subscription `id` (of `inbox`) follows from batch `seq` on. */
  follow(inbox: string, id: string, seq: number): void {
    let ids = this.byInbox.get(inbox);
    if (!ids) this.byInbox.set(inbox, (ids = new Set()));
    ids.add(id);
    progressOutboxOf(this.transport).follow(inbox, id, seq, this);
    this.unlisten ??= this.frontier.listen(() => this.advanced());
  }

  unfollow(inbox: string, id: string): void {
    const ids = this.byInbox.get(inbox);
    if (!ids?.delete(id)) return;
    if (ids.size === 0) this.byInbox.delete(inbox);
    progressOutboxOf(this.transport).unfollow(inbox, id);
    if (this.byInbox.size === 0 && this.unlisten) {
      this.unlisten();
      this.unlisten = undefined;
    }
  }

  private advanced(): void {
    const outbox = progressOutboxOf(this.transport);
    for (const inbox of this.byInbox.keys()) outbox.txns(inbox, this);
  }
}

const registries = new WeakMap<Transport, Map<string, TxnsFollowers>>();

/** The txns followers of host `hostId` on this process's connection. */
export function txnsFollowersOf(transport: Transport, hostId: string, frontier: TxnsFrontier): TxnsFollowers {
  let byHost = registries.get(transport);
  if (!byHost) registries.set(transport, (byHost = new Map()));
  let f = byHost.get(hostId);
  if (!f) byHost.set(hostId, (f = new TxnsFollowers(transport, hostId, frontier)));
  return f;
}
