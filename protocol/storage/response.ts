/**
 * STORAGE responses: replies to commands (command.ts), the messages of a subscription stream (sent
 * to the subscriber's inbox) and the publications of a collection (frontiers, status).
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage, type MessageOf } from '../message.js';
import { Frontier, Row, Schema, Timestamp, Update } from '../types.js';
import { CollectionId } from './command.js';

export const CollectionStatus = Type.Union([
  Type.Literal('starting'),
  Type.Literal('running'),
  Type.Literal('stalled'),
  Type.Literal('ceased'),
  Type.Literal('dropped'),
]);
export type CollectionStatus = Static<typeof CollectionStatus>;

/** A command was applied (or was already in effect). */
export const Ok = defineMessage('Ok', { detail: Type.Optional(Type.String()) });
/** An append committed: the collection's upper is now `upper`. `duplicate` when it was a retry of a committed append. */
export const Appended = defineMessage('Appended', { upper: Timestamp, duplicate: Type.Boolean() });
/** Consolidated contents at `asOf`: rows with their (non-zero) multiplicities. */
export const SnapshotRows = defineMessage('SnapshotRows', { asOf: Timestamp, rows: Type.Array(Type.Tuple([Row, Type.Integer()])) });
/** A subscription was registered; batches follow on the inbox. */
export const SubscribeStarted = defineMessage('SubscribeStarted', { subscribeId: Type.String(), since: Timestamp, upper: Timestamp, incarnation: Type.String() });
/**
 * One message of a subscription stream: `updates` (consolidated, in time order) followed by the
 * progress statement `upper`: every update at a time before it has now been delivered. `seq`
 * numbers the stream's messages from 1 so a receiver can see a gap.
 */
export const SubscribeBatch = defineMessage('SubscribeBatch', { subscribeId: Type.String(), seq: Type.Integer({ minimum: 1 }), updates: Type.Array(Update), upper: Frontier });
/**
 * One message of a subscription opened with `consolidated: false`: `encodedUpdates` is the
 * msgpack encoding of an array of `[row, time, diff]` updates, as a binary value (the bytes
 * STORAGE stored, forwarded without decoding where a stored batch lies wholly inside what is
 * sent). Every update at a time <= `asOf` (the subscription's asOf) is part of the snapshot and is
 * to be read as happening at `asOf`; later updates happen at their own time. The updates are NOT
 * consolidated: a row may appear several times, at one time or several, and its diffs sum to its
 * multiplicity change. `seq` and `upper` mean what they mean in SubscribeBatch.
 */
export const SubscribeEncodedBatch = defineMessage('SubscribeEncodedBatch', {
  subscribeId: Type.String(),
  seq: Type.Integer({ minimum: 1 }),
  encodedUpdates: Type.Uint8Array({ description: 'The msgpack encoding of an array of update triples' }),
  asOf: Timestamp,
  upper: Frontier,
});
/**
 * Progress without updates for subscriptions opened with the same `progressInbox`, gathered by
 * the storage host: each item `[subscribeId, seq, upper]` says every update of that subscription
 * at a time before `upper` is in the messages up to and including its `seq` (the last
 * SubscribeBatch/SubscribeEncodedBatch sent before it; 0 for none). It may overtake that message:
 * a receiver applies it only once it has received `seq` (and ignores items of subscriptions it
 * does not know). A lost one only delays progress; the next carries a later upper.
 *
 * Subscriptions to tables sealed by txns may *follow* their host's txns upper (docs/decoupling.md):
 * - `origin` `[incarnation, n]`: the storage process that sent it and the message's number among
 *   that process's messages to this inbox (1, 2, ...). After a gap, the receiver must treat every
 *   subscription that follows a host of that origin as no longer following, and resubscribe it
 *   from its last progress (a lost `unfollow` could otherwise let a txns upper pass data).
 * - `follow` `[subscribeId, seq, host]`: once batch `seq` is in (at once if it is), every update
 *   of that subscription before `host`'s txns upper is delivered, until an `unfollow` of it or a
 *   batch with a later seq.
 * - `unfollow` `[subscribeId]`: it follows no longer (its table is being written).
 * - `txns` `[host, upper]`: that host's txns upper now; each following subscription of `host` (of
 *   this origin) has progress `upper`.
 * Apply in this order: items, unfollow, follow, txns.
 */
export const SubscribeProgress = defineMessage('SubscribeProgress', {
  items: Type.Array(Type.Tuple([Type.String(), Type.Integer({ minimum: 0 }), Timestamp]), { maxItems: 10_000 }),
  origin: Type.Optional(Type.Tuple([Type.String(), Type.Integer({ minimum: 1 })])),
  follow: Type.Optional(Type.Array(Type.Tuple([Type.String(), Type.Integer({ minimum: 0 }), Type.String()]))),
  unfollow: Type.Optional(Type.Array(Type.String())),
  txns: Type.Optional(Type.Array(Type.Tuple([Type.String(), Timestamp]))),
});
/** The stream ended (`dropped`: the collection is gone; `expired`: no Credit for the lease time). */
export const SubscribeEnd = defineMessage('SubscribeEnd', {
  subscribeId: Type.String(),
  reason: Type.Union([Type.Literal('canceled'), Type.Literal('dropped'), Type.Literal('expired'), Type.Literal('error')]),
  message: Type.Optional(Type.String()),
});
/**
 * Published on `hostFrontiersSubject(region, host)`: the since and upper of the host's collections
 * whose own since or upper moved, gathered into one message at most once a second per host (a
 * table sealed by txns also advances with its host's TxnsProgress, which is not repeated here).
 * `[]`, `[]`: the collection was dropped.
 */
export const HostFrontiers = defineMessage('HostFrontiers', {
  host: Type.String(),
  collections: Type.Array(Type.Object({ collection: CollectionId, since: Frontier, upper: Frontier }, { additionalProperties: false }), { maxItems: 5000 }),
});
/** Published on `<collection>.status` at every status change; `incarnation` changes at every restart. */
export const StatusUpdate = defineMessage('StatusUpdate', {
  collection: CollectionId,
  status: CollectionStatus,
  incarnation: Type.String(),
  at: Timestamp,
  message: Type.Optional(Type.String()),
});

const CollectionSummary = Type.Object(
  {
    id: CollectionId,
    kind: Type.String(),
    schema: Schema,
    since: Timestamp,
    /** The readable upper: every time below it is sealed. */
    upper: Timestamp,
    /**
     * Its own upper, which a compare-and-append expects, whenever `upper` differs from it: for a
     * table sealed by txns (TableSource.txns; always given), `upper` is max(writeUpper, the host's
     * txns upper); for a view following the txns upper (txns.ts AdvanceUppers `follow`) the same
     * while it follows, and the upper it last gave once it stopped, until its sink writes past it.
     */
    writeUpper: Type.Optional(Timestamp),
    /** The storage host serving it (where AdvanceUppers for it goes). */
    host: Type.Optional(Type.String()),
    status: CollectionStatus,
    /** Why it is stalled (or what it last reported), when it says. */
    statusMessage: Type.Optional(Type.String({ maxLength: 4096 })),
    /** Upstream position: generator offset, JetStream stream sequence, PostgreSQL commit LSN (0 for tables). */
    position: Type.Integer({ minimum: 0 }),
    /** Updates stored (after consolidation by compaction), batches on disk, bad upstream messages. */
    updates: Type.Integer({ minimum: 0 }),
    batches: Type.Integer({ minimum: 0 }),
    badMessages: Type.Integer({ minimum: 0 }),
    /** Upstream messages fetched again after a restart (must stay 0). */
    upstreamRereads: Type.Integer({ minimum: 0 }),
    holds: Type.Record(Type.String(), Timestamp),
  },
  { additionalProperties: false },
);
export type CollectionSummary = Static<typeof CollectionSummary>;

export const CollectionInfo = defineMessage('CollectionInfo', { collection: CollectionSummary });
export const CollectionList = defineMessage('CollectionList', {
  collections: Type.Array(Type.Object({ id: CollectionId, kind: Type.String(), host: Type.String(), summary: Type.Optional(CollectionSummary) }, { additionalProperties: false })),
});

/** A sink's state (Describe on its subject). */
export const SinkInfo = defineMessage('SinkInfo', {
  sink: Type.Object(
    {
      id: CollectionId,
      from: CollectionId,
      stream: Type.String(),
      subject: Type.String(),
      /** `stalled` with `reason` when it cannot go on (its stream gone, a key violation, an error in its view). */
      status: Type.Union([Type.Literal('starting'), Type.Literal('running'), Type.Literal('stalled')]),
      reason: Type.Optional(Type.String()),
      /** Every time below it is published in full. */
      upper: Timestamp,
      /** Messages published by this incarnation; messages found already published when it resumed. */
      published: Type.Integer({ minimum: 0 }),
      skippedOnResume: Type.Integer({ minimum: 0 }),
      /** The subject's last stream sequence as the sink knows it. */
      lastSequence: Type.Integer({ minimum: 0 }),
    },
    { additionalProperties: false },
  ),
});

export const STORAGE_REPLIES = [Ok, Appended, SnapshotRows, SubscribeStarted, CollectionInfo, CollectionList, SinkInfo] as const;
export type StorageReply = MessageOf<typeof STORAGE_REPLIES>;
export const STREAM_MESSAGES = [SubscribeBatch, SubscribeEncodedBatch, SubscribeEnd, SubscribeProgress] as const;
export type StreamMessage = MessageOf<typeof STREAM_MESSAGES>;
export const PUBLICATIONS = [HostFrontiers, StatusUpdate] as const;
export type Publication = MessageOf<typeof PUBLICATIONS>;

export type SubscribeBatch = Static<typeof SubscribeBatch>;
export type SubscribeEncodedBatch = Static<typeof SubscribeEncodedBatch>;
export type SubscribeProgress = Static<typeof SubscribeProgress>;
export type HostFrontiers = Static<typeof HostFrontiers>;
export type SinkInfo = Static<typeof SinkInfo>;
export type StatusUpdate = Static<typeof StatusUpdate>;
export type { Update };
export type CollectionList = Static<typeof CollectionList>;
export type CollectionInfo = Static<typeof CollectionInfo>;

const exampleSummary: CollectionSummary = {
  id: 'u7',
  kind: 'table',
  schema: [{ name: 'k', type: 'int', nullable: false }],
  since: 1_700_000_000_000,
  upper: 1_700_000_000_005,
  status: 'running',
  position: 0,
  updates: 1,
  batches: 1,
  badMessages: 0,
  upstreamRereads: 0,
  holds: { 'compute:idx1': 1_700_000_000_000 },
};

/** Valid examples of the responses (documentation, and the round-trip test). */
export const MESSAGE_EXAMPLES: Record<string, unknown> = {
  Ok: { type: 'Ok', detail: 'collection u7 created' },
  Appended: { type: 'Appended', upper: 1_700_000_000_005, duplicate: false },
  SubscribeProgress: {
    type: 'SubscribeProgress',
    items: [['s1', 3, 1_700_000_000_006], ['s2', 0, 1_700_000_000_006]],
    origin: ['9a0e', 12],
    follow: [['s3', 4, 'storage-0']],
    unfollow: ['s4'],
    txns: [['storage-0', 1_700_000_000_007]],
  },
  SnapshotRows: { type: 'SnapshotRows', asOf: 1_700_000_000_004, rows: [[[1, 'a'], 1]] },
  SubscribeStarted: { type: 'SubscribeStarted', subscribeId: 's1', since: 1_700_000_000_000, upper: 1_700_000_000_005, incarnation: '3f1c' },
  SubscribeBatch: { type: 'SubscribeBatch', subscribeId: 's1', seq: 1, updates: [[[1, 'a'], 1_700_000_000_004, 1]], upper: [1_700_000_000_005] },
  SubscribeEncodedBatch: {
    type: 'SubscribeEncodedBatch',
    subscribeId: 's1',
    seq: 2,
    // msgpack of [[[1, 'a'], 3, 1]]
    encodedUpdates: new Uint8Array([0x91, 0x93, 0x92, 0x01, 0xa1, 0x61, 0x03, 0x01]),
    asOf: 1_700_000_000_004,
    upper: [1_700_000_000_005],
  },
  SubscribeEnd: { type: 'SubscribeEnd', subscribeId: 's1', reason: 'dropped' },
  HostFrontiers: { type: 'HostFrontiers', host: 'storage-0', collections: [{ collection: 'u7', since: [1_700_000_000_000], upper: [1_700_000_000_005] }, { collection: 'u9', since: [], upper: [] }] },
  StatusUpdate: { type: 'StatusUpdate', collection: 'u7', status: 'running', incarnation: '3f1c', at: 1_700_000_000_003 },
  CollectionInfo: { type: 'CollectionInfo', collection: exampleSummary },
  SinkInfo: { type: 'SinkInfo', sink: { id: 'u9', from: 'u7', stream: 'OUT', subject: 'out.k', status: 'running', upper: 1_700_000_000_005, published: 12, skippedOnResume: 0, lastSequence: 40 } },
  CollectionList: { type: 'CollectionList', collections: [{ id: 'u7', kind: 'table', host: 'storage-0', summary: exampleSummary }] },
};
