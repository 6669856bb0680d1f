/**
 * Every actor kind a definite host process can run, by name. This file sits above the layers
 * (it imports all of them) and is used only by the CLI's process entry points.
 */
import type { ActorKind } from '../runtime/host.js';
import type { ActorSpec } from '../protocol/sys/messages.js';
import { counterKind } from './demo/counter.js';
import { timelineKind } from './control/timeline.js';
import { collectionKind } from './storage/collection.js';
import { txnsKind } from './storage/txns.js';
import { storageControllerKind } from './storage/controller.js';
import { sinkKind } from './storage/sinks/jetstream-sink.js';
import { clusterKind } from './compute/cluster-kind.js';
import { computeControllerKind } from './compute/controller.js';
import { coordinatorKind } from './control/coordinator.js';
import { sessionKind } from './control/session.js';
import { pgwireKind } from './control/pgwire/pgwire-kind.js';
import { webhookKind } from './control/webhook/webhook-kind.js';

export const ACTOR_KINDS: ActorKind[] = [counterKind, timelineKind, collectionKind, txnsKind, storageControllerKind, sinkKind, clusterKind, computeControllerKind, coordinatorKind, sessionKind, pgwireKind, webhookKind];

/** The storage host processes collections are placed on. */
export const STORAGE_HOSTS = ['storage-0'];

/** Actors the environment process runs in its own in-process host (the controllers). */
export const ENV_ACTORS: ActorSpec[] = [
  { kind: 'storage-controller', id: 'main', config: { hosts: STORAGE_HOSTS } },
  { kind: 'compute-controller', id: 'compute' },
  { kind: 'coordinator', id: 'control', config: { storageHosts: STORAGE_HOSTS } },
  // The Postgres front end (actors/control/pgwire): its connections use the coordinator's handlers.
  { kind: 'pgwire', id: 'pgwire' },
  // Webhook sources' HTTP front end (actors/control/webhook): it writes through the coordinator's group commit.
  { kind: 'webhook', id: 'webhook' },
];

/** Host processes the environment ensures exist, with the actors each starts with (a storage host: its txns log). */
export const DEFAULT_HOSTS: { hostId: string; actors: ActorSpec[] }[] = STORAGE_HOSTS.map((hostId) => ({ hostId, actors: [{ kind: 'txns', id: hostId }] }));
