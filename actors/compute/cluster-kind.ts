/**
 * The `cluster` actor kind: a Cluster with the real incremental engine (engine-binding.ts) and
 * STORAGE over NATS (storage-client.ts). The compute controller starts one per host process
 * `cluster-<id>`; its subject is `dfn.<region>.compute.cluster.<id>`.
 */
import type { ActorContext } from '../../runtime/actor.js';
import type { ActorKind } from '../../runtime/host.js';
import { clusterSubject } from '../../protocol/compute/subjects.js';
import { Cluster } from './cluster.js';
import { createEngine } from './engine-binding.js';
import { NatsStoragePort } from './storage-client.js';

export const clusterKind: ActorKind = {
  kind: 'cluster',
  layer: 'compute',
  create: (ctx: ActorContext) => new Cluster(ctx, createEngine, new NatsStoragePort(ctx.transport, ctx.region)),
  subject: (region, id) => clusterSubject(region, id),
};
