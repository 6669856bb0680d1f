/**
 * COMPUTE subjects.
 *
 * ```
 * dfn.<region>.compute.controller                   the compute controller's commands (from CONTROL)
 * dfn.<region>.compute.cluster.<clusterId>          a cluster's commands (from its controller), request/reply
 * dfn.<region>.compute.cluster.<clusterId>.responses a cluster's published responses: Frontiers, Status
 * ```
 * Subscription streams (SubscribeIndex) go to the inbox subject the subscriber names.
 */
import { actorSubject, regionPrefix, token } from '../subjects.js';

export function computeControllerSubject(region: string): string {
  return `${regionPrefix(region)}.compute.controller`;
}

export function clusterSubject(region: string, clusterId: string): string {
  return actorSubject(region, 'compute', 'cluster', clusterId);
}

export function clusterResponsesSubject(region: string, clusterId: string): string {
  return `${clusterSubject(region, token(clusterId, 'cluster id'))}.responses`;
}
