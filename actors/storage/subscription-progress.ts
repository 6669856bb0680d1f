/**
 * Progress without updates, gathered per subscriber: every subscription of a host process that
 * was opened with a `progressInbox` reports its empty progress here, and one SubscribeProgress
 * message per inbox per event-loop turn carries them all (protocol/storage/response.ts). So when a
 * tick moves the uppers of hundreds of idle tables that a cluster subscribes to, the cluster gets
 * one message, not one per subscription.
 */
import type { Transport } from '../../runtime/transport.js';

const ITEMS_PER_MESSAGE = 10_000;

type Item = [subscribeId: string, seq: number, upper: number];

class ProgressOutbox {
  private readonly pending = new Map<string, Map<string, Item>>();
  private scheduled = false;

  constructor(private readonly transport: Transport) {}

  add(inbox: string, item: Item): void {
    let items = this.pending.get(inbox);
    if (!items) this.pending.set(inbox, (items = new Map()));
    items.set(item[0], item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const all = [...this.pending];
    this.pending.clear();
    for (const [inbox, byId] of all) {
      const items = [...byId.values()];
      for (let i = 0; i < items.length; i += ITEMS_PER_MESSAGE) {
        try {
          this.transport.publish(inbox, { type: 'SubscribeProgress', items: items.slice(i, i + ITEMS_PER_MESSAGE) });
        } catch {
          // lost progress only delays the subscriber until the next
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
