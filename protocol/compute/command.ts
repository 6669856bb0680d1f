/**
 * COMPUTE commands: from the compute controller to a cluster (`clusterSubject`), each a NATS
 * request answered with `Ok` or a typed error (PeekResponse for Peek). See README.md for what the
 * cluster must and must not do with each.
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../message.js';
import { Frontier, Row, Timestamp } from '../types.js';

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
/** The controller's epoch: it grows at every controller restart; older epochs are fenced off. */
const Epoch = Type.Integer({ minimum: 1 });

/** One input of a dataflow: the plan's `get` name bound to a STORAGE collection. */
export const DataflowInput = Type.Object(
  {
    name: Id,
    collection: Id,
    /** The collection is a materialized view's: its last column holds evaluation errors (protocol/error-column.ts). */
    errors: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type DataflowInput = Static<typeof DataflowInput>;

/** What a dataflow exports: an index (peekable, subscribable arrangement) and/or a sink. */
export const DataflowExports = Type.Object(
  {
    /** Keep the output arranged so it can be peeked and subscribed (an index). */
    index: Type.Boolean(),
    /**
     * The index's key columns (output column numbers): a Peek may then look rows up by their values
     * (`Peek.lookup`) instead of reading every row.
     */
    indexKeys: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 64 })),
    /** Append the output to this STORAGE collection with compare-and-append (a materialized view). */
    sink: Type.Optional(
      Type.Object(
        {
          collection: Id,
          /** Write evaluation errors too, in the collection's last column (protocol/error-column.ts). */
          errors: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type DataflowExports = Static<typeof DataflowExports>;

/** A dataflow to install: a plan over inputs, computed from `asOf` on. */
export const DataflowDescription = Type.Object(
  {
    id: Id,
    /** The plan IR (protocol/compute/plan.ts); validated by the cluster, InvalidPlan otherwise. */
    plan: Type.Unknown(),
    inputs: Type.Array(DataflowInput, { maxItems: 64 }),
    asOf: Timestamp,
    exports: DataflowExports,
  },
  { additionalProperties: false },
);
export type DataflowDescription = Static<typeof DataflowDescription>;

/** First command of every controller incarnation: the cluster fences off older epochs. */
export const Hello = defineMessage('Hello', { epoch: Epoch, controller: Type.String({ maxLength: 128 }) });
/** Install a dataflow (idempotent: the same id and description is a no-op; a different one is an error). */
export const CreateDataflow = defineMessage('CreateDataflow', { epoch: Epoch, dataflow: DataflowDescription });
/** Let the dataflow compact its history to `frontier`; the empty frontier drops it. */
export const AllowCompaction = defineMessage('AllowCompaction', { epoch: Epoch, id: Id, frontier: Frontier });
/** Read a dataflow's index at `timestamp`: exactly one PeekResponse, once its frontier passes it. */
export const Peek = defineMessage('Peek', {
  epoch: Type.Optional(Epoch),
  peekId: Id,
  dataflow: Id,
  timestamp: Timestamp,
  /** Return at most this many distinct rows (after ordering by row; after `mfp`). */
  limit: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * A plan applied to the index's rows before they are returned: only `map`, `filter` and
   * `project` over one `get` whose arity is the index's (its name is not looked at). A bad one
   * is answered with outcome `error`, code InvalidRequest; an evaluation error with EvalError.
   */
  mfp: Type.Optional(Type.Unknown()),
  /**
   * Only the rows whose index key columns (`exports.indexKeys`) equal one of these tuples, each
   * one value per key column in that order (`===` per value; the `mfp` still applies). A tuple of
   * the wrong length is InvalidRequest; a dataflow installed without key columns reads every row.
   */
  lookup: Type.Optional(Type.Array(Row, { maxItems: 10_000 })),
});
/** Cancel a pending peek: its PeekResponse is `canceled` (if it has not been answered yet). */
export const CancelPeek = defineMessage('CancelPeek', { peekId: Id });
/** The controller has replayed its history: drop every dataflow it did not mention. */
export const InitializationComplete = defineMessage('InitializationComplete', { epoch: Epoch });
/** Stream a dataflow's index to `inbox`: snapshot at asOf, then updates and progress. */
export const SubscribeIndex = defineMessage('SubscribeIndex', {
  subscribeId: Id,
  dataflow: Id,
  asOf: Type.Optional(Timestamp),
  inbox: Type.String({ minLength: 1, maxLength: 256 }),
});
/** Stop a subscription. */
export const CancelSubscribe = defineMessage('CancelSubscribe', { subscribeId: Id });
/** Ask for the cluster's Status now. */
export const GetStatus = defineMessage('GetStatus', {});

export const COMPUTE_COMMANDS = [Hello, CreateDataflow, AllowCompaction, Peek, CancelPeek, InitializationComplete, SubscribeIndex, CancelSubscribe, GetStatus] as const;
export type ComputeCommand = Static<(typeof COMPUTE_COMMANDS)[number]>;

const exampleDataflow = {
  id: 'd1',
  plan: { op: 'get', input: 'a' },
  inputs: [{ name: 'a', collection: 'u1', errors: true }],
  asOf: 5,
  exports: { index: true, indexKeys: [0], sink: { collection: 'u2', errors: true } },
};
export const MESSAGE_EXAMPLES: Record<string, unknown> = {
  Hello: { type: 'Hello', epoch: 1, controller: 'compute-controller' },
  CreateDataflow: { type: 'CreateDataflow', epoch: 1, dataflow: exampleDataflow },
  AllowCompaction: { type: 'AllowCompaction', epoch: 1, id: 'd1', frontier: [] },
  Peek: { type: 'Peek', epoch: 1, peekId: 'p1', dataflow: 'd1', timestamp: 7, limit: 10, lookup: [[5]], mfp: { op: 'filter', input: { op: 'get', name: 'i', arity: 2 }, predicates: [{ op: 'call', fn: 'is_not_null', args: [{ op: 'col', index: 1 }] }] } },
  CancelPeek: { type: 'CancelPeek', peekId: 'p1' },
  InitializationComplete: { type: 'InitializationComplete', epoch: 2 },
  SubscribeIndex: { type: 'SubscribeIndex', subscribeId: 's1', dataflow: 'd1', asOf: 3, inbox: '_INBOX.abc' },
  CancelSubscribe: { type: 'CancelSubscribe', subscribeId: 's1' },
};
