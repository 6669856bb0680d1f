/**
 * Inspection messages: what the runtime publishes about itself and how it answers snapshot
 * requests. Observers must treat every field as advisory (it describes, it never commands).
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../message.js';

/** Lifecycle states (mirrors runtime/lifecycle.ts; protocol/ cannot import runtime/). */
export const ActorStateSchema = Type.Union(
  ['starting', 'recovering', 'running', 'stopping', 'stopped', 'failed', 'backoff'].map((s) => Type.Literal(s)),
);

/** Per-actor counters. */
export const Counters = Type.Object(
  {
    messagesIn: Type.Integer({ minimum: 0 }),
    messagesOut: Type.Integer({ minimum: 0 }),
    errors: Type.Integer({ minimum: 0 }),
    mailbox: Type.Integer({ minimum: 0 }),
    stashed: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type Counters = Static<typeof Counters>;

/**
 * One node of the supervision tree: a region, a host process, a supervisor or an actor.
 * Supervisors carry their strategy and restart intensity; actors their lifecycle state.
 */
export const TreeNode = Type.Recursive(
  (This) =>
    Type.Object({
      id: Type.String(),
      role: Type.Union([Type.Literal('region'), Type.Literal('orchestrator'), Type.Literal('host'), Type.Literal('supervisor'), Type.Literal('actor')]),
      kind: Type.String(),
      state: Type.String(),
      subject: Type.Optional(Type.String()),
      hostId: Type.Optional(Type.String()),
      pid: Type.Optional(Type.Integer()),
      startedAt: Type.Optional(Type.Number()),
      /** When the current incarnation became running (uptime = now - runningSince). */
      runningSince: Type.Optional(Type.Number()),
      restarts: Type.Integer({ minimum: 0 }),
      /** Restarts inside the supervisor's current period, beside its limit. */
      restartsInWindow: Type.Optional(Type.Integer({ minimum: 0 })),
      intensity: Type.Optional(Type.Integer({ minimum: 0 })),
      periodMs: Type.Optional(Type.Integer({ minimum: 0 })),
      strategy: Type.Optional(Type.String()),
      restartType: Type.Optional(Type.String()),
      backoffDeadline: Type.Optional(Type.Number()),
      lastError: Type.Optional(Type.String()),
      counters: Type.Optional(Counters),
      /** Actor-specific durable position and status (e.g. a source's upstream position and upper). */
      info: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      memory: Type.Optional(Type.Object({ rss: Type.Number(), heapUsed: Type.Number() })),
      children: Type.Optional(Type.Array(This)),
    }),
  { $id: 'TreeNode' },
);
export type TreeNode = Static<typeof TreeNode>;

/** Published on `inspect.event.<host>.<kind>.<id>` at every lifecycle transition. */
export const LifecycleEvent = defineMessage('LifecycleEvent', {
  hostId: Type.String(),
  kind: Type.String(),
  id: Type.String(),
  from: Type.String(),
  to: Type.String(),
  at: Type.Number(),
  restarts: Type.Integer({ minimum: 0 }),
  error: Type.Optional(Type.String()),
  backoffDeadline: Type.Optional(Type.Number()),
});
export type LifecycleEvent = Static<typeof LifecycleEvent>;

/** Published on `inspect.heartbeat.<host>` every heartbeat interval by every host process. */
export const Heartbeat = defineMessage('Heartbeat', {
  hostId: Type.String(),
  pid: Type.Integer(),
  /** A new random id at every process start: a changed incarnation means the host restarted. */
  incarnation: Type.String(),
  startedAt: Type.Number(),
  at: Type.Number(),
  actors: Type.Integer({ minimum: 0 }),
  running: Type.Integer({ minimum: 0 }),
  memory: Type.Object({ rss: Type.Number(), heapUsed: Type.Number() }),
});
export type Heartbeat = Static<typeof Heartbeat>;

/** Published on `inspect.announce.<host>` when an actor becomes running. */
export const Announce = defineMessage('Announce', {
  hostId: Type.String(),
  kind: Type.String(),
  id: Type.String(),
  subject: Type.String(),
  restarts: Type.Integer({ minimum: 0 }),
  at: Type.Number(),
});
export type Announce = Static<typeof Announce>;

/** Published on `inspect.counters.<host>`: counters of the actors whose counters changed. */
export const CountersReport = defineMessage('CountersReport', {
  hostId: Type.String(),
  at: Type.Number(),
  actors: Type.Array(Type.Object({ kind: Type.String(), id: Type.String(), counters: Counters })),
});
export type CountersReport = Static<typeof CountersReport>;

/** Request on `inspect.tree` (whole region) or `inspect.hosts` (each host answers). */
export const GetTree = defineMessage('GetTree', {});
export type GetTree = Static<typeof GetTree>;

/** Reply to GetTree. */
export const Tree = defineMessage('Tree', { at: Type.Number(), root: TreeNode });
export type Tree = Static<typeof Tree>;

export const INSPECT_MESSAGES = [LifecycleEvent, Heartbeat, Announce, CountersReport, GetTree, Tree] as const;
