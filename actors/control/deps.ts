/**
 * What the statement handlers of CONTROL share (one set per coordinator incarnation): the
 * catalog, the STORAGE and COMPUTE clients, the timeline, group commit, the reader and the
 * SUBSCRIBE read holds. Only the
 * coordinator builds it; sessions reach it through the coordinator.
 */
import type { Catalog, CatalogItem } from './catalog.js';
import type { StorageClient } from '../../protocol/storage/client.js';
import type { Transport } from '../../runtime/transport.js';
import type { GroupCommit } from './group-commit.js';
import type { Reader } from './reads.js';
import type { TimelineClient } from './timestamps.js';
import type { ComputeClient } from './compute-client.js';
import type { SubscribeHolds } from './subscribe-holds.js';
import type { PlanCache } from './plan-cache.js';

export interface ControlDeps {
  region: string;
  transport: Transport;
  catalog: Catalog;
  storage: StorageClient;
  timeline: TimelineClient;
  commits: GroupCommit;
  reader: Reader;
  compute: ComputeClient;
  /** Read holds of SUBSCRIBEs, kept for a resume window after their session is gone. */
  holds: SubscribeHolds;
  /** Planned SELECTs by statement text, valid for one catalog generation. */
  plans: PlanCache;
  /** How long a DDL statement waits for the objects it created to answer (ddl.ts DEFAULT_DDL_WAIT_MS). */
  ddlWaitMs: number;
  /** Runs catalog changes one at a time. */
  serialize<T>(fn: () => Promise<T>): Promise<T>;
}

/** Session settings (SET / SHOW): lower-case names. */
export type Settings = Record<string, string>;

export const DEFAULT_SETTINGS: Settings = {
  cluster: 'default',
  timeline: 'main',
  transaction_isolation: 'strict serializable',
  idle_timeout: '60',
  /**
   * A SELECT that would need a transient dataflow but reads only collections with at most this
   * many stored updates in all is evaluated in the environment process (executor.ts
   * smallCollections); 0 sends every such SELECT to the cluster. Default DFN_SMALL_READ_UPDATES.
   */
  small_read_updates: String(Number(process.env['DFN_SMALL_READ_UPDATES'] ?? 10_000)),
};

/** The index (if any) maintaining `item`'s contents, for the fast peek path. */
export function indexOf(catalog: Catalog, item: CatalogItem): CatalogItem | undefined {
  return catalog.all().find((i) => i.kind === 'index' && i.on === item.id && i.dataflow !== undefined && i.cluster !== undefined);
}
