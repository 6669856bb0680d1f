/**
 * STORAGE commands, each a NATS request answered with a response of response.ts or a typed error
 * (errors.ts). Controller commands go to `storageControllerSubject`; collection commands to
 * `collectionSubject(id)`. See README.md for what the receiver must and must not do.
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage, type MessageOf } from '../message.js';
import { Frontier, Timestamp } from '../types.js';
import { SourceSpec } from './source.js';
import { SinkSpec } from './sink.js';

export const CollectionId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const Holder = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' });
const SubscribeId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const StageId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const Inbox = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,256}$' });

// ---- storage controller ----
/** Create a collection fed by a source. Idempotent for the same id and spec. */
export const CreateSource = defineMessage('CreateSource', { id: CollectionId, spec: SourceSpec });
/** Drop a collection: its frontier becomes empty, subscriptions end, its data is deleted. */
export const DropSource = defineMessage('DropSource', { id: CollectionId });
/** Create a sink (sink.ts) publishing a collection's changes. Idempotent for the same id and spec. */
export const CreateSink = defineMessage('CreateSink', { id: CollectionId, spec: SinkSpec });
/** Stop a sink for good and release its read hold (what it published stays in its stream). */
export const DropSink = defineMessage('DropSink', { id: CollectionId });
/**
 * Set `holder`'s read hold on a collection: `since` may advance to the minimum of all holds.
 * The empty frontier releases the hold. Accepted by the controller and by the collection itself.
 */
export const AllowCompaction = defineMessage('AllowCompaction', { collection: CollectionId, holder: Holder, since: Frontier });
/** Every collection with its kind, frontiers and status. */
export const ListCollections = defineMessage('ListCollections', {});

// ---- one collection ----
/**
 * Compare-and-append: applies only when the collection's upper equals `expectedUpper`; every
 * update's time must lie in `[expectedUpper, newUpper)`. `writer` + `token` make a retry of an
 * append whose outcome was unknown a no-op if it had committed. An empty append advances upper.
 * `updates` are `[row, time, diff]` triples (protocol/types.ts Update); the collection checks each
 * against its schema and bounds in one pass (InvalidBatch), so the envelope schema only requires
 * an array here (checking 10,000 tuples twice costs more than the append itself).
 * Exactly one of `updates` and `encodedUpdates` is given: `encodedUpdates` is the msgpack encoding
 * of the same array, as a binary value, which the collection validates and stores as received
 * (no decoding into objects, no re-encoding: the fast path the client uses).
 */
export const Append = defineMessage('Append', {
  writer: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' }),
  token: Type.String({ minLength: 1, maxLength: 128 }),
  expectedUpper: Timestamp,
  newUpper: Timestamp,
  updates: Type.Optional(Type.Array(Type.Unknown(), { description: 'Update triples [row, time, diff]' })),
  encodedUpdates: Type.Optional(Type.Uint8Array({ description: 'The msgpack encoding of the update triples' })),
  /** Instead of updates: the batch this writer staged in `parts` StageBatch messages (parts 0..parts-1). */
  staged: Type.Optional(Type.Object({ stageId: StageId, parts: Type.Integer({ minimum: 1, maximum: 100_000 }) }, { additionalProperties: false })),
});
/**
 * Stage part `part` of a batch too large for one message: `encodedUpdates` as in Append, every
 * time in `[lower, upper)` (a batch of several parts must hold one time: upper = lower + 1). The
 * collection checks and stores the part, unlisted; an Append with `staged: {stageId, parts}` by
 * the same writer then commits all parts atomically as one batch (or none: a failed or never sent
 * Append leaves the parts unlisted, deleted after 10 minutes or at the host's next start). Staged
 * parts live in the collection's memory only: after a storage host restart, an Append naming
 * them fails with InvalidBatch (`details.notStaged`), and the writer stages again. Answered Ok.
 */
export const StageBatch = defineMessage('StageBatch', {
  writer: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' }),
  stageId: StageId,
  part: Type.Integer({ minimum: 0, maximum: 99_999 }),
  lower: Timestamp,
  upper: Timestamp,
  encodedUpdates: Type.Uint8Array({ description: 'The msgpack encoding of the update triples' }),
});
/** Contents consolidated at `asOf` (since <= asOf < upper). With `wait`, waits for upper to pass asOf. */
export const Snapshot = defineMessage('Snapshot', { asOf: Timestamp, wait: Type.Optional(Type.Boolean()) });
/**
 * Stream the collection to `inbox`: with `snapshot`, the contents at `asOf` (as updates at time
 * `asOf`) and then every update at times > asOf; without it only the updates at times > asOf
 * (resumption: a subscriber whose last progress was `u` resumes with asOf = u - 1). asOf >= since.
 * `credit` is how many SubscribeBatch messages may be sent before the subscriber grants more.
 * `consolidated: false` (for a reader that consolidates itself, such as a cluster building
 * arrangements) asks for the stored updates as they are, in SubscribeEncodedBatch messages: not
 * consolidated, the snapshot's updates at their stored times <= asOf (to be read at asOf).
 * Absent or true: SubscribeBatch messages, consolidated.
 * `progressInbox` (optional; one per subscriber process): where the storage host may send
 * progress that carries no updates, for many subscriptions at once (SubscribeProgress), instead
 * of one SubscribeBatch each. Such progress uses no credit and no `seq`.
 */
export const Subscribe = defineMessage('Subscribe', {
  subscribeId: SubscribeId,
  inbox: Inbox,
  asOf: Timestamp,
  snapshot: Type.Boolean(),
  credit: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  consolidated: Type.Optional(Type.Boolean()),
  progressInbox: Type.Optional(Inbox),
});
/** Grant `credit` more batches; also renews the subscription's lease (expires after 60 s without). */
export const Credit = defineMessage('Credit', { subscribeId: SubscribeId, credit: Type.Integer({ minimum: 0, maximum: 1_000_000 }) });
export const CancelSubscribe = defineMessage('CancelSubscribe', { subscribeId: SubscribeId });
/** The collection's definition, frontiers, upstream position and counters. */
export const Describe = defineMessage('Describe', {});
/** From the storage controller: drop this collection (empty frontier, delete the data, exit). */
export const Drop = defineMessage('Drop', {});

export const CONTROLLER_COMMANDS = [CreateSource, DropSource, CreateSink, DropSink, AllowCompaction, ListCollections] as const;
export type ControllerCommand = MessageOf<typeof CONTROLLER_COMMANDS>;

export const COLLECTION_COMMANDS = [Append, StageBatch, Snapshot, Subscribe, Credit, CancelSubscribe, Describe, AllowCompaction, Drop] as const;
export type CollectionCommand = MessageOf<typeof COLLECTION_COMMANDS>;

export type CreateSource = Static<typeof CreateSource>;
export type CreateSink = Static<typeof CreateSink>;
export type Append = Static<typeof Append>;
export type Subscribe = Static<typeof Subscribe>;

/** Valid examples of the commands (documentation, and the round-trip test). */
export const MESSAGE_EXAMPLES: Record<string, unknown> = {
  CreateSource: { type: 'CreateSource', id: 'u7', spec: { kind: 'table', schema: [{ name: 'k', type: 'int', nullable: false }] } },
  DropSource: { type: 'DropSource', id: 'u7' },
  CreateSink: {
    type: 'CreateSink', id: 'u9',
    spec: { kind: 'jetstream', from: 'u7', schema: [{ name: 'k', type: 'int', nullable: false }], stream: 'OUT', subject: 'out.k', format: 'json', envelope: 'upsert', key: ['k'], asOf: 1_700_000_000_000 },
  },
  DropSink: { type: 'DropSink', id: 'u9' },
  AllowCompaction: { type: 'AllowCompaction', collection: 'u7', holder: 'compute:idx1', since: [1_700_000_000_000] },
  ListCollections: { type: 'ListCollections' },
  Append: { type: 'Append', writer: 'control', token: 'w-17', expectedUpper: 1_700_000_000_000, newUpper: 1_700_000_000_005, updates: [[[1, 'a'], 1_700_000_000_001, 1]] },
  StageBatch: { type: 'StageBatch', writer: 'control', stageId: 'st-9', part: 0, lower: 1_700_000_000_001, upper: 1_700_000_000_002, encodedUpdates: new Uint8Array([0x90]) },
  Snapshot: { type: 'Snapshot', asOf: 1_700_000_000_004, wait: true },
  Subscribe: { type: 'Subscribe', subscribeId: 's1', inbox: '_INBOX.abc', asOf: 1_700_000_000_004, snapshot: true, credit: 64, consolidated: false, progressInbox: '_INBOX.p1.progress' },
  Credit: { type: 'Credit', subscribeId: 's1', credit: 32 },
  CancelSubscribe: { type: 'CancelSubscribe', subscribeId: 's1' },
  Describe: { type: 'Describe' },
  Drop: { type: 'Drop' },
};
