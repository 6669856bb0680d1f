/**
 * The leases renewed in bulk (protocol/storage/leases.ts): one per host process and region, it
 * listens on `leasesSubject(region)` and remembers when each progress inbox was last named by a
 * RenewLeases. A subscription opened with that inbox counts as renewed then (subscriptions.ts),
 * so a subscriber with hundreds of subscriptions on this host renews them all with one message.
 */
import { MessageSet, decodeMessage } from '../../protocol/message.js';
import { LEASE_COMMANDS, type LeaseCommand } from '../../protocol/storage/leases.js';
import { leasesSubject } from '../../protocol/storage/subjects.js';
import type { Transport } from '../../runtime/transport.js';

const commands = new MessageSet<LeaseCommand>(LEASE_COMMANDS);
const MAX_PAYLOAD = 4096;
/** Inboxes not renewed for this long are forgotten (a lease is 60 s). */
const FORGET_MS = 5 * 60_000;

export class LeaseBook {
  private readonly renewed = new Map<string, number>();
  private lastSweep = 0;

  constructor(transport: Transport, region: string, private readonly now: () => number) {
    transport.subscribe(leasesSubject(region), (msg) => this.receive(msg.data));
  }

  /** When `inbox` was last named by a RenewLeases (0: never). */
  renewedAt(inbox: string): number {
    return this.renewed.get(inbox) ?? 0;
  }

  private receive(data: Uint8Array): void {
    let cmd: LeaseCommand;
    try {
      cmd = decodeMessage(commands, data, { maxPayload: MAX_PAYLOAD });
    } catch {
      return; // a publication has no one to answer: a malformed one is dropped
    }
    const now = this.now();
    this.renewed.set(cmd.progressInbox, now);
    if (now - this.lastSweep > FORGET_MS) {
      this.lastSweep = now;
      for (const [inbox, at] of this.renewed) if (now - at > FORGET_MS) this.renewed.delete(inbox);
    }
  }
}

const books = new WeakMap<Transport, Map<string, LeaseBook>>();

/** The lease book of this process's connection `transport` for `region`. */
export function leaseBookOf(transport: Transport, region: string, now: () => number): LeaseBook {
  let byRegion = books.get(transport);
  if (!byRegion) books.set(transport, (byRegion = new Map()));
  let book = byRegion.get(region);
  if (!book) byRegion.set(region, (book = new LeaseBook(transport, region, now)));
  return book;
}
