/**
 * Request/reply over one wildcard inbox subscription per connection, as nats.js's own request
 * "mux" does, but without its per-request cost: nats.js builds a `RequestError` (a stack trace)
 * for every request, even one answered normally (measured ≈ 20 µs per request here, the largest
 * single JavaScript item of a process serving peeks). A request publishes with the reply subject
 * `<inbox>.<token>`; the reply, a no-responders status (503), a publish permission violation for
 * its subject, a timeout or the connection closing settles it, exactly once.
 */
import { createInbox, errors as natsErrors } from '@nats-io/transport-node';
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';

interface Pending {
  subject: string;
  resolve: (msg: Msg) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class RequestMux {
  private inbox: string | undefined;
  private sub: Subscription | undefined;
  private next = 0;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly inboxPrefix?: string,
  ) {
    void this.watchErrors();
    void nc.closed().then(() => this.rejectAll(new natsErrors.RequestError('connection closed')));
  }

  /** Publishes `data` to `subject` and resolves with the one reply. */
  request(subject: string, data: Uint8Array, headers: MsgHdrs, timeoutMs: number): Promise<Msg> {
    const inbox = this.subscribed();
    const token = (this.next++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(token)?.reject(new natsErrors.TimeoutError()), timeoutMs);
      this.pending.set(token, { subject, resolve, reject, timer });
      try {
        this.nc.publish(subject, data, { reply: inbox + token, headers });
      } catch (err) {
        this.settle(token);
        reject(err as Error);
      }
    });
  }

  /** The inbox prefix (with its trailing dot), subscribing to `<prefix>*` the first time. */
  private subscribed(): string {
    if (this.sub && this.inbox) return this.inbox;
    const inbox = `${createInbox(this.inboxPrefix)}.`;
    this.sub = this.nc.subscribe(`${inbox}*`, {
      callback: (err, msg) => {
        if (err || !msg.subject.startsWith(inbox)) return;
        const p = this.settle(msg.subject.slice(inbox.length));
        if (!p) return; // late reply (timed out) or a duplicate
        if (msg.data.length === 0 && msg.headers?.code === 503) p.reject(new natsErrors.NoRespondersError(p.subject));
        else p.resolve(msg);
      },
    });
    this.inbox = inbox;
    return inbox;
  }

  /** Removes a pending request and stops its timer; undefined if it was settled already. */
  private settle(token: string): Pending | undefined {
    const p = this.pending.get(token);
    if (!p) return undefined;
    this.pending.delete(token);
    clearTimeout(p.timer);
    return p;
  }

  private rejectAll(err: Error): void {
    for (const token of [...this.pending.keys()]) this.settle(token)?.reject(err);
  }

  /**
   * A publish the server refused (permissions) fails the oldest request to that subject; a
   * refused inbox subscription fails them all and is made again by the next request.
   */
  private async watchErrors(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type !== 'error' || !(s.error instanceof natsErrors.PermissionViolationError)) continue;
      const e = s.error;
      if (e.operation === 'subscription' && this.inbox && e.subject === `${this.inbox}*`) {
        this.sub = undefined;
        this.inbox = undefined;
        this.rejectAll(e);
      } else if (e.operation === 'publish') {
        for (const [token, p] of this.pending) {
          if (p.subject !== e.subject) continue;
          this.settle(token)?.reject(e);
          break;
        }
      }
    }
  }
}
