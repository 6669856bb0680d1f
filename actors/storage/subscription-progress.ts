/**
 * Progress without updates, gathered per subscriber: every subscription of a host process that
 * was opened with a `progressInbox` reports its empty progress here, and one SubscribeProgress
 * message per inbox per event-loop turn carries them all (protocol/storage/response.ts). So when a
 * tick moves the uppers of hundreds of idle tables that a cluster subscribes to, the cluster gets
 * one message, not one per subscription.
 *
 * The same message carries the txns followers' changes (txns-followers.ts): `follow` items (the
 * subscription's progress follows its host's txns upper once batch `seq` is in), `unfollow` ids
 * (it does no longer: its table was written) and the `txns` upper of each host named. Within a
 * message the subscriber applies unfollow, then follow, then txns; one id is in at most one of
 * the lists (the latest change wins), and messages to one inbox leave in order, so an unfollow
 * always reaches the subscriber before any txns upper that passes the write behind it. Each
 * message names its `origin`, [this process's incarnation, a sequence number per inbox]: a
 * subscriber that sees a gap (NATS core may drop a message to a slow consumer) stops following
 * everything of that origin and resubscribes those subscriptions, so a lost unfollow can never
 * let a txns upper pass data it did not receive.
 */
import { randomUUID } from 'node:crypto';
import type { Transport } from '../../runtime/transport.js';

const ITEMS_PER_MESSAGE = 10_000;

type Item = [subscribeId: string, seq: number, upper: number];

/** The txns upper of a host as the flush finds it. */
export interface TxnsSource {
  readonly host: string;
  readonly upper: number;
}

interface Pending {
  items: Map<string, Item>;
  /** id -> ['follow', seq, host] or ['unfollow']. */
  follows: Map<string, [seq: number, host: string] | null>;
  txns: Map<string, TxnsSource>;
}

class ProgressOutbox {
  private readonly pending = new Map<string, Pending>();
  private scheduled = false;
  /** Followers are bound to it: a new process is a new origin. */
  readonly incarnation = randomUUID().replace(/-/g, '');
  private readonly seqs = new Map<string, number>();

  constructor(private readonly transport: Transport) {}

  private entry(inbox: string): Pending {
    let p = this.pending.get(inbox);
    if (!p) this.pending.set(inbox, (p = { items: new Map(), follows: new Map(), txns: new Map() }));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return p;
  }

  add(inbox: string, item: Item): void {
    this.entry(inbox).items.set(item[0], item);
  }

  /** From batch `seq` on, the subscription's progress is `txns`' upper (until an unfollow). */
  follow(inbox: string, id: string, seq: number, txns: TxnsSource): void {
    const p = this.entry(inbox);
    p.items.delete(id);
    p.follows.set(id, [seq, txns.host]);
    p.txns.set(txns.host, txns);
  }

  unfollow(inbox: string, id: string): void {
    this.entry(inbox).follows.set(id, null);
  }

  /** The host's txns upper moved: the inbox's followers of it move with it. */
  txns(inbox: string, txns: TxnsSource): void {
    this.entry(inbox).txns.set(txns.host, txns);
  }

  private flush(): void {
    this.scheduled = false;
    const all = [...this.pending];
    this.pending.clear();
    for (const [inbox, p] of all) {
      const items = [...p.items.values()];
      const follow: Array<[string, number, string]> = [];
      const unfollow: string[] = [];
      for (const [id, f] of p.follows) {
        if (f) follow.push([id, f[0], f[1]]);
        else unfollow.push(id);
      }
      // Read now: the upper at the moment the message leaves (every follower is still valid).
      const txns = [...p.txns.values()].map((t): [string, number] => [t.host, t.upper]);
      const extra = { ...(follow.length ? { follow } : {}), ...(unfollow.length ? { unfollow } : {}), ...(txns.length ? { txns } : {}) };
      for (let i = 0; i === 0 || i < items.length; i += ITEMS_PER_MESSAGE) {
        const seq = (this.seqs.get(inbox) ?? 0) + 1;
        this.seqs.set(inbox, seq);
        try {
          const origin: [string, number] = [this.incarnation, seq];
          this.transport.publish(inbox, { type: 'SubscribeProgress', items: items.slice(i, i + ITEMS_PER_MESSAGE), origin, ...(i === 0 ? extra : {}) });
        } catch {
          // a lost message is a gap in origin's seq to the subscriber
        }
      }
    }
  }
}

const outboxes = new WeakMap<Transport, ProgressOutbox>();

/** The progress outbox of this process's connection `transport`. */
export function progressOutboxOf(transport: Transport): ProgressOutbox {
  let o = outboxes.get(transport);
  if (!o) outboxes.set(transport, (o = new ProgressOutbox(transport)));
  return o;
}
