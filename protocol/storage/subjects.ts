/**
 * STORAGE subjects.
 *
 * ```
 * dfn.<region>.storage.controller                  the storage controller's commands (request/reply)
 * dfn.<region>.storage.collection.<id>             a collection's commands (request/reply)
 * dfn.<region>.storage.collection.<id>.status      StatusUpdate publications
 * dfn.<region>.storage.sink.<id>                   a sink's commands (Describe: SinkInfo)
 * dfn.<region>.storage.txns.<host>                 a storage host's transaction log of tables (txns.ts)
 * dfn.<region>.storage.txns.<host>.progress        TxnsProgress publications
 * dfn.<region>.storage.frontiers.<host>            HostFrontiers publications (since, upper of the host's collections)
 * dfn.<region>.storage.leases                      RenewLeases publications (leases.ts), heard by every storage host
 * ```
 * Subscription streams (SubscribeBatch, SubscribeEnd) go to the inbox subject the subscriber
 * names in `Subscribe`. `dfn.<region>.storage.frontiers.*` and
 * `dfn.<region>.storage.collection.*.status` watch every collection.
 */
import { actorSubject, regionPrefix, token } from '../subjects.js';

export function storageControllerSubject(region: string): string {
  return `${regionPrefix(region)}.storage.controller`;
}

export function collectionSubject(region: string, collection: string): string {
  return actorSubject(region, 'storage', 'collection', collection);
}

export function sinkSubject(region: string, sink: string): string {
  return actorSubject(region, 'storage', 'sink', sink);
}

/** The frontier publications of the collections on storage host `host` (HostFrontiers). */
export function hostFrontiersSubject(region: string, host: string): string {
  return `${regionPrefix(region)}.storage.frontiers.${token(host, 'host id')}`;
}

export function collectionStatusSubject(region: string, collection: string): string {
  return `${collectionSubject(region, token(collection, 'collection id'))}.status`;
}

/** Every storage host's frontier publications. */
export function allFrontiersSubject(region: string): string {
  return `${regionPrefix(region)}.storage.frontiers.*`;
}

/** The transaction log of the tables on storage host `host` (protocol/storage/txns.ts). */
export function txnsSubject(region: string, host: string): string {
  return actorSubject(region, 'storage', 'txns', host);
}

export function txnsProgressSubject(region: string, host: string): string {
  return `${txnsSubject(region, host)}.progress`;
}

/** Where subscribers publish RenewLeases (protocol/storage/leases.ts); every storage host listens. */
export function leasesSubject(region: string): string {
  return `${regionPrefix(region)}.storage.leases`;
}
