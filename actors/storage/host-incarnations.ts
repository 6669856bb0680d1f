/**
 * Watches the heartbeats of the storage hosts a controller places collections on, and reports a
 * host whose incarnation changed (a new process under the same host id). The storage controller
 * then re-sends StartActor for everything it placed there: a host that came back on an empty data
 * dir (with DFN_STORAGE=jetstream all of a collection's state is in JetStream) runs nothing until
 * told. Only watches: it never starts, stops or fences anything itself.
 */
import type { Subscription } from '@nats-io/transport-node';
import { decode } from '../../protocol/codec.js';
import { Header } from '../../protocol/envelope.js';
import { MessageSet } from '../../protocol/message.js';
import { Heartbeat } from '../../protocol/inspect/messages.js';
import { heartbeatSubject } from '../../protocol/inspect/subjects.js';
import type { Transport } from '../../runtime/transport.js';

const heartbeats = new MessageSet<Heartbeat>([Heartbeat]);

export class HostIncarnations {
  private readonly seen = new Map<string, string>();
  private readonly subs: Subscription[];

  /** Calls `onRestarted(hostId)` whenever a heartbeat of `hostId` names another incarnation than the last one seen. */
  constructor(transport: Transport, region: string, hosts: readonly string[], onRestarted: (hostId: string) => void) {
    this.subs = hosts.map((host) =>
      transport.subscribe(heartbeatSubject(region, host), (msg) => {
        let hb: Heartbeat;
        try {
          hb = heartbeats.validate(decode(msg.data), msg.headers?.get(Header.Type) || undefined) as Heartbeat;
        } catch {
          return; // a malformed heartbeat changes nothing
        }
        const before = this.seen.get(hb.hostId);
        this.seen.set(hb.hostId, hb.incarnation);
        if (before !== undefined && before !== hb.incarnation) onRestarted(hb.hostId);
      }),
    );
  }

  close(): void {
    for (const s of this.subs) s.unsubscribe();
  }
}
