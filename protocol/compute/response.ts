/**
 * COMPUTE responses: replies to commands, and what a cluster publishes on
 * `clusterResponsesSubject` (Frontiers, Status) or streams to a subscriber's inbox.
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../message.js';
import { Frontier, Row, Timestamp, Update } from '../types.js';

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

/** A command was accepted. */
export const Ack = defineMessage('Ack', { detail: Type.Optional(Type.String()) });

/**
 * Dataflows' output frontiers advanced: for each, everything before `upper` is final; `since` is
 * its compaction frontier. A cluster gathers the changes of all its dataflows into one message
 * (at most one per 100 ms, at most 1,000 dataflows each), listing only those that moved.
 */
export const Frontiers = defineMessage('Frontiers', {
  cluster: Id,
  frontiers: Type.Array(Type.Object({ dataflow: Id, since: Frontier, upper: Frontier }, { additionalProperties: false }), { maxItems: 1000 }),
});
export type Frontiers = Static<typeof Frontiers>;

/** Exactly one per Peek: rows (with multiplicities), an error, or canceled. */
export const PeekResponse = defineMessage('PeekResponse', {
  peekId: Id,
  outcome: Type.Union([Type.Literal('rows'), Type.Literal('error'), Type.Literal('canceled')]),
  timestamp: Timestamp,
  rows: Type.Array(Type.Tuple([Row, Type.Integer()])),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});
export type PeekResponse = Static<typeof PeekResponse>;

/** One message of an index subscription, sent to the subscriber's inbox. */
export const SubscribeResponse = defineMessage('SubscribeResponse', {
  subscribeId: Id,
  /** Consolidated updates, in non-decreasing time order. */
  updates: Type.Array(Update),
  /** Every update before this frontier has been sent; `[]` when the dataflow was dropped. */
  progress: Frontier,
  /** Set on the last message: the subscription ended (dropped dataflow, canceled, error). */
  ended: Type.Optional(Type.String()),
});
export type SubscribeResponse = Static<typeof SubscribeResponse>;

/** Hydration state of one dataflow. */
export const DataflowStatus = Type.Object({
  id: Id,
  asOf: Timestamp,
  since: Frontier,
  upper: Frontier,
  hydrated: Type.Boolean(),
  /** Snapshot rows loaded per input so far. */
  inputRows: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
  /** Time from install to hydrated, when hydrated. */
  hydrationMs: Type.Optional(Type.Number()),
  arrangedRecords: Type.Integer({ minimum: 0 }),
  sink: Type.Optional(Type.Object({ collection: Id, upper: Frontier, appends: Type.Integer({ minimum: 0 }), conflicts: Type.Integer({ minimum: 0 }) })),
  /** Times this dataflow failed and was restarted by its cluster (alone, the others going on). */
  restarts: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Why it last failed. */
  lastError: Type.Optional(Type.String()),
});
export type DataflowStatus = Static<typeof DataflowStatus>;

/** A cluster's status: published at start, on changes, and answered to GetStatus. */
export const Status = defineMessage('Status', {
  cluster: Id,
  /** A fresh id per cluster incarnation: a new one means the cluster restarted and needs a replay. */
  incarnation: Type.String(),
  epoch: Type.Integer({ minimum: 0 }),
  initialized: Type.Boolean(),
  dataflows: Type.Array(DataflowStatus),
});
export type Status = Static<typeof Status>;

export const COMPUTE_RESPONSES = [Ack, Frontiers, PeekResponse, SubscribeResponse, Status] as const;
export type ComputeResponse = Static<(typeof COMPUTE_RESPONSES)[number]>;

export const MESSAGE_EXAMPLES: Record<string, unknown> = {
  Frontiers: { type: 'Frontiers', cluster: 'c1', frontiers: [{ dataflow: 'd1', since: [0], upper: [5] }] },
  PeekResponse: { type: 'PeekResponse', peekId: 'p1', outcome: 'rows', timestamp: 4, rows: [[[1, 'a', null], 2]] },
  SubscribeResponse: { type: 'SubscribeResponse', subscribeId: 's1', updates: [[[1, 'x'], 3, -1]], progress: [4] },
  Status: {
    type: 'Status',
    cluster: 'c1',
    incarnation: 'i',
    epoch: 1,
    initialized: true,
    dataflows: [
      { id: 'd1', asOf: 0, since: [0], upper: [9], hydrated: true, inputRows: { a: 10 }, arrangedRecords: 10 },
      { id: 'd2', asOf: 0, since: [4], upper: [4], hydrated: false, inputRows: {}, arrangedRecords: 0, restarts: 2, lastError: 'collection a was dropped' },
    ],
  },
};
