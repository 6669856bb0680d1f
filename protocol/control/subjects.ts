/**
 * CONTROL subjects: the client API. These are the only subjects the `client` user of nats.conf
 * may publish to; replies come back to the client's `_INBOX.>`.
 *
 * ```
 * dfn.<region>.control.connect            OpenSession (answered by the coordinator)
 * dfn.<region>.control.session.<id>       everything else a client says within its session
 * dfn.<region>.control.coordinator        internal: sessions to the coordinator (coordinator.ts)
 * dfn.<region>.control.frontend.sessions  internal: the coordinator to front-end processes (StartSession)
 * dfn.<region>.control.frontend.cancel    internal: a pgwire CancelRequest passed between front ends
 * ```
 */
import { actorSubject, regionPrefix } from '../subjects.js';

export function connectSubject(region: string): string {
  return `${regionPrefix(region)}.control.connect`;
}

export function sessionSubject(region: string, sessionId: string): string {
  return actorSubject(region, 'control', 'session', sessionId);
}

export function coordinatorSubject(region: string): string {
  return `${regionPrefix(region)}.control.coordinator`;
}

/** A CancelRequest that reached the wrong front-end process is published here to all of them. */
export function frontendCancelSubject(region: string): string {
  return `${regionPrefix(region)}.control.frontend.cancel`;
}

/** Front-end processes listen here in one queue group: one of them starts each NATS session. */
export function frontendSessionsSubject(region: string): string {
  return `${regionPrefix(region)}.control.frontend.sessions`;
}
