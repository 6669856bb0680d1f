/**
 * Frontier publications of one storage host: the collections of a host process report their
 * since and upper here, and it publishes them together as one HostFrontiers message on
 * `hostFrontiersSubject(region, host)`, listing only the collections that changed, at most once
 * per HOST_FRONTIERS_MS (the first change after a quiet spell goes out on the next turn). So a
 * host with thousands of collections whose uppers move every tick sends one message per tick, not
 * one per collection.
 */
import { hostFrontiersSubject } from '../../protocol/storage/subjects.js';
import type { Frontier } from '../../protocol/types.js';
import type { Transport } from '../../runtime/transport.js';

export const HOST_FRONTIERS_MS = 1000;
/** Collections per message (each entry is a few dozen bytes; the payload limit is 1 MiB or more). */
const COLLECTIONS_PER_MESSAGE = 5000;

type Entry = { collection: string; since: Frontier; upper: Frontier };

export class HostFrontiers {
  private readonly pending = new Map<string, Entry>();
  private scheduled = false;
  private lastFlush = 0;

  constructor(
    private readonly transport: Transport,
    private readonly region: string,
    private readonly host: string,
  ) {}

  /** `collection`'s frontiers are now these (`[]`, `[]` once it is dropped). */
  changed(collection: string, since: Frontier, upper: Frontier): void {
    this.pending.set(collection, { collection, since, upper });
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastFlush + HOST_FRONTIERS_MS - Date.now();
    if (wait <= 0) setImmediate(() => this.flush());
    else setTimeout(() => this.flush(), wait).unref();
  }

  private flush(): void {
    this.scheduled = false;
    this.lastFlush = Date.now();
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (let i = 0; i < entries.length; i += COLLECTIONS_PER_MESSAGE) {
      try {
        this.transport.publish(hostFrontiersSubject(this.region, this.host), { type: 'HostFrontiers', host: this.host, collections: entries.slice(i, i + COLLECTIONS_PER_MESSAGE) });
      } catch {
        // best effort: a publication nobody in the platform depends on
      }
    }
  }
}

const publishers = new Map<string, HostFrontiers>();

/** The frontier publisher of host `host` in `region`, in this process. */
export function hostFrontiersOf(transport: Transport, region: string, host: string): HostFrontiers {
  const key = `${region}/${host}`;
  let p = publishers.get(key);
  if (!p) publishers.set(key, (p = new HostFrontiers(transport, region, host)));
  return p;
}
