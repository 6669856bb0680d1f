/**
 * Runtime commands: to a host process (`dfn.<region>.sys.host.<hostId>`) and to the process
 * orchestrator (`dfn.<region>.sys.orchestrator`). Internal: only the platform user and the
 * inspector's `operator` user may publish them. Stop is clean (the actor's stop hook runs, within
 * its shutdown timeout); kill is abrupt (no hook, exactly like a crash) and goes through the same
 * supervisor restart path as a failure.
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../message.js';
import { TreeNode } from '../inspect/messages.js';

const ActorId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const HostId = ActorId;

/** One actor a host runs: its kind (registered in the host) and id, with kind-specific config. */
export const ActorSpec = Type.Object(
  {
    kind: ActorId,
    id: ActorId,
    config: Type.Optional(Type.Unknown()),
    restart: Type.Optional(Type.Union([Type.Literal('permanent'), Type.Literal('transient'), Type.Literal('temporary')])),
  },
  { additionalProperties: false },
);
export type ActorSpec = Static<typeof ActorSpec>;

// ---- host commands ----
/** Starts (and durably records) an actor on the host. Idempotent for the same kind and id. */
export const StartActor = defineMessage('StartActor', { actor: ActorSpec });
/** Stops an actor cleanly and forgets it (it is not started again after a host restart). */
export const StopActor = defineMessage('StopActor', { id: ActorId });
/** Stops an actor cleanly and starts it again (counts as a restart). */
export const RestartActor = defineMessage('RestartActor', { id: ActorId });
/** Kills an actor abruptly, as a crash: its supervisor restarts it by its restart policy. */
export const KillActor = defineMessage('KillActor', { id: ActorId });
/** Stops every actor cleanly, then exits the host process. */
export const ShutdownHost = defineMessage('ShutdownHost', {});
/** Asks for the host's subtree. */
export const GetHostTree = defineMessage('GetHostTree', {});

export const HOST_COMMANDS = [StartActor, StopActor, RestartActor, KillActor, ShutdownHost, GetHostTree] as const;
export type HostCommand = Static<(typeof HOST_COMMANDS)[number]>;

// ---- orchestrator commands ----
/** Starts a host process (detached) and records it; `actors` are started on it. Idempotent. */
export const StartHost = defineMessage('StartHost', { hostId: HostId, actors: Type.Array(ActorSpec, { maxItems: 100000 }) });
/** Stops a host process cleanly and forgets it. */
export const StopHost = defineMessage('StopHost', { hostId: HostId });
/** Kills a host process with SIGKILL; the orchestrator restarts it as after any crash. */
export const KillHost = defineMessage('KillHost', { hostId: HostId });
/** Lists the recorded hosts. */
export const ListHosts = defineMessage('ListHosts', {});
/** Stops every host cleanly, then the orchestrator itself. */
export const Shutdown = defineMessage('Shutdown', {});

export const ORCHESTRATOR_COMMANDS = [StartHost, StopHost, KillHost, ListHosts, Shutdown] as const;
export type OrchestratorCommand = Static<(typeof ORCHESTRATOR_COMMANDS)[number]>;

// ---- replies ----
/** A command was carried out. */
export const Ok = defineMessage('Ok', { detail: Type.Optional(Type.String()) });
export type Ok = Static<typeof Ok>;

/** One host as the orchestrator records it. */
export const HostRecord = Type.Object({
  hostId: HostId,
  pid: Type.Integer(),
  incarnation: Type.String(),
  startedAt: Type.Number(),
  restarts: Type.Integer({ minimum: 0 }),
  state: Type.String(),
  lastHeartbeat: Type.Optional(Type.Number()),
  adopted: Type.Boolean(),
});
export type HostRecord = Static<typeof HostRecord>;

export const HostList = defineMessage('HostList', { hosts: Type.Array(HostRecord) });
export type HostList = Static<typeof HostList>;

export const HostTree = defineMessage('HostTree', { root: TreeNode });
export type HostTree = Static<typeof HostTree>;

export const SYS_REPLIES = [Ok, HostList, HostTree] as const;
