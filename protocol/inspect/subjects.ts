/**
 * Inspection subjects. Everything here is published by the runtime for observers (the actor
 * inspector, `definite status`, tests); nothing on these subjects changes the platform except the
 * actions on `dfn.<region>.sys.*`, which are separate subjects.
 *
 * ```
 * dfn.<region>.inspect.event.<hostId>.<kind>.<id>   lifecycle transitions, restarts, errors (publish);
 *                                                   kind `host-process`: a host process's state, published by the orchestrator
 * dfn.<region>.inspect.counters.<hostId>            per-actor counters of one host, every second (publish)
 * dfn.<region>.inspect.heartbeat.<hostId>           host heartbeat (publish)
 * dfn.<region>.inspect.announce.<hostId>            an actor announcing itself when it starts (publish)
 * dfn.<region>.inspect.tree                         request: the whole supervision tree (the orchestrator answers)
 * dfn.<region>.inspect.hosts                        request: every host answers with its own subtree
 * ```
 */
import { regionPrefix, token } from '../subjects.js';

export function eventSubject(region: string, hostId: string, kind: string, id: string): string {
  return `${regionPrefix(region)}.inspect.event.${token(hostId, 'host id')}.${token(kind, 'actor kind')}.${token(id, 'actor id')}`;
}
/** Wildcard for every lifecycle event in a region. */
export function allEventsSubject(region: string): string {
  return `${regionPrefix(region)}.inspect.event.>`;
}
/** Wildcard for everything on the inspection subjects of a region (what the inspector reads). */
export function allInspectSubject(region: string): string {
  return `${regionPrefix(region)}.inspect.>`;
}
export function countersSubject(region: string, hostId: string): string {
  return `${regionPrefix(region)}.inspect.counters.${token(hostId, 'host id')}`;
}
export function heartbeatSubject(region: string, hostId: string): string {
  return `${regionPrefix(region)}.inspect.heartbeat.${token(hostId, 'host id')}`;
}
/** Wildcard for every host heartbeat in a region. */
export function allHeartbeatsSubject(region: string): string {
  return `${regionPrefix(region)}.inspect.heartbeat.*`;
}
export function announceSubject(region: string, hostId: string): string {
  return `${regionPrefix(region)}.inspect.announce.${token(hostId, 'host id')}`;
}
export function treeSubject(region: string): string {
  return `${regionPrefix(region)}.inspect.tree`;
}
export function hostsSubject(region: string): string {
  return `${regionPrefix(region)}.inspect.hosts`;
}
