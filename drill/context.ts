/**
 * What every drill action and validation works with: the seeded rng, the NATS servers, the
 * platform's processes, the storage client, the SQL sessions, the model of expected state, and the run's record
 * (steps taken, faults by kind, violations).
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { StorageClient } from '../protocol/storage/client.js';
import type { Rng } from './rng.js';
import type { NatsCluster } from './nats-cluster.js';
import type { DrillPlatform } from './platform.js';
import type { DrillModel } from './model.js';
import type { SqlModel } from './sql-model.js';
import type { DrillSql } from './sql-client.js';
import type { SqlSubscriber } from './sql-subscribe.js';
import type { UpstreamModel } from './sql-upstreams.js';

/** What the running platform can do; an action needs all of its capabilities. */
export type Capability = 'storage' | 'nats-cluster' | 'compute' | 'control';

export interface Violation {
  step: number;
  kind: string;
  detail: string;
}

export interface DrillContext {
  rng: Rng;
  nats: NatsCluster;
  platform: DrillPlatform;
  client: StorageClient;
  js: JetStreamClient;
  jsm: JetStreamManager;
  model: DrillModel;
  /** What the drill made through CONTROL (SQL), and its two sessions: A writes, B reads. */
  sql: SqlModel;
  sqlA: DrillSql;
  sqlB: DrillSql;
  /** The real upstreams (an upsert JetStream source, a PostgreSQL source) and their state. */
  upstreams: UpstreamModel;
  /** A PostgreSQL server with wal_level=logical on 127.0.0.1 (`--postgres-port`), for a CDC source. */
  postgresPort: number | undefined;
  /** SQL subscribers by the object they subscribe to. */
  sqlSubs: Map<string, SqlSubscriber>;
  capabilities: Set<Capability>;
  /** The orchestrator's hosts, refreshed after every step (for preconditions). */
  hostIds: string[];
  /** Fault injection of the deliberately broken drill (DFN_DRILL_INJECT), or ''. */
  inject: string;
  /** Subscribers hold read holds at their frontier (default); off reproduces the resume finding. */
  readHolds: boolean;
  step: number;
  /** One line per step taken, for the report of a violation. */
  steps: string[];
  faults: Record<string, number>;
  violations: Violation[];
  violate(kind: string, detail: string): void;
}
