/**
 * The interface every ingesting source kind implements. A driver reads its upstream from the
 * shard's stored position, and commits each step through `shard.ingest` — data, new upper and
 * upstream position in one atomic batch — so a restart resumes exactly where it committed.
 * Timestamps are wall-clock milliseconds, never below the stored upper (`Shard.ingest` picks them).
 */
import type { Transport } from '../../../runtime/transport.js';
import type { Clock } from '../../../runtime/clock.js';
import type { Shard } from '../shard.js';

export interface DriverContext {
  collection: string;
  shard: Shard;
  transport: Transport;
  clock: Clock;
  /** True while the owning actor incarnation is live. */
  alive(): boolean;
  /** A fatal driver error: crashes the collection actor (its supervisor restarts it). */
  fail(error: unknown): void;
  /** The source cannot make progress for now (e.g. its stream is missing); null when it recovers. */
  stalled(reason: string | null): void;
}

export interface SourceDriver {
  start(): void;
  stop(): void;
  info(): Record<string, unknown>;
  /** DROP: releases what the source holds upstream (a PostgreSQL replication slot); after stop(). */
  dropUpstream?(): Promise<void>;
}
