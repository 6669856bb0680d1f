/**
 * Every actor kind a definite host process can run, by name. This file sits above the layers
 * (it imports all of them) and is used only by the CLI's process entry points.
 */
import type { ActorKind } from '../runtime/host.js';
import type { ActorSpec } from '../protocol/sys/messages.js';
import { counterKind } from './demo/counter.js';
import { timelineKind } from './control/timeline.js';

export const ACTOR_KINDS: ActorKind[] = [counterKind, timelineKind];

/** Actors the environment process runs in its own in-process host (the controllers). */
export const ENV_ACTORS: ActorSpec[] = [];

/** Host processes the environment ensures exist, with the actors each starts with. */
export const DEFAULT_HOSTS: { hostId: string; actors: ActorSpec[] }[] = [{ hostId: 'storage-0', actors: [] }];
