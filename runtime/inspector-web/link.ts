/**
 * Follows a NATS connection's status (connected, disconnected, reconnecting, closed) for display.
 * Reading the status never changes the connection: reconnection is the client's own business
 * (Transport reconnects forever).
 */
import type { Clock } from '../clock.js';
import type { Transport } from '../transport.js';
import type { LinkStatus } from './types.js';

/** Calls `onChange` whenever the connection's state changes, until it is closed. */
export function watchLink(t: Transport, clock: Clock, onChange: (status: LinkStatus) => void): void {
  void (async () => {
    let current = 'connected';
    for await (const s of t.nc.status()) {
      const next = s.type === 'disconnect' ? 'disconnected' : s.type === 'reconnecting' ? 'reconnecting' : s.type === 'reconnect' ? 'connected' : s.type === 'close' ? 'closed' : undefined;
      if (!next || next === current) continue;
      // Reconnect attempts alternate disconnect/reconnecting: show them as one "disconnected" span.
      if (next === 'reconnecting' && current === 'disconnected') continue;
      current = next;
      const error = 'error' in s && s.error ? String((s.error as Error).message ?? s.error) : undefined;
      onChange({ state: next, since: clock.now(), ...(error ? { error } : {}) });
    }
  })().catch(() => undefined);
  void t.nc.closed().then(() => onChange({ state: 'closed', since: clock.now() }));
}
