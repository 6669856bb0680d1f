/**
 * The transaction log of tables (txns): one per storage host, at `txnsSubject(region, host)`.
 * Tables created by CONTROL (`TableSource.txns`) have a logical upper: max(their own upper, the
 * txns upper of their host). A commit appends only to the tables it wrote, then advances every
 * host's txns upper past its timestamp with `AdvanceTxns`, so a table nobody writes costs nothing
 * per commit and per tick, and a read at the commit's timestamp never waits for it. A host
 * refuses a table append with an update at a time below its txns upper (that time is sealed).
 * Each advance is published as `TxnsProgress` on `txnsProgressSubject(region, host)`.
 * The same actor takes `AdvanceUppers`: many collections' empty compare-and-appends (idle
 * materialized views' sinks moving their upper) in one request per host, not one each.
 * See docs/decoupling.md.
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage, type MessageOf } from '../message.js';
import { Timestamp } from '../types.js';
import { CollectionId } from './command.js';

const Writer = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' });
const HostId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

/**
 * Seal every table time below `upper` on this host (durably, then replies TxnsInfo). Never moves
 * backwards: an `upper` at or below the current one changes nothing and is answered the same way.
 */
export const AdvanceTxns = defineMessage('AdvanceTxns', { writer: Writer, upper: Timestamp });
/** The host's txns upper. */
export const DescribeTxns = defineMessage('DescribeTxns', {});
/** Reply to both: the txns upper of `host` and how many advances it has applied since it started. */
export const TxnsInfo = defineMessage('TxnsInfo', { host: HostId, upper: Timestamp, advances: Type.Integer({ minimum: 0 }) });
/** Published once per advance: every table time below `upper` on `host` is sealed. */
export const TxnsProgress = defineMessage('TxnsProgress', { host: HostId, upper: Timestamp });

/**
 * Empty compare-and-appends to collections on this host, each exactly an `Append` with no updates
 * (same writer, token, expectedUpper, newUpper, and the same answer), applied together: a
 * cluster's idle materialized views move their uppers with one request per storage host per step.
 * Answered with one result per item, in order. Unlike an `Append`, an item is written lazily: it
 * takes effect at once and is durable within a second, so a storage host that crashes may come
 * back with the upper where it was before (never below its last data). A writer that uses it
 * must be able to state the same emptiness again: a sink whose output is a function of durable
 * inputs (reads at the lost times wait until it has).
 */
export const AdvanceUppers = defineMessage('AdvanceUppers', {
  items: Type.Array(
    Type.Object(
      {
        collection: CollectionId,
        writer: Writer,
        token: Type.String({ maxLength: 128 }),
        expectedUpper: Timestamp,
        newUpper: Timestamp,
        /**
         * The collections whose contents alone determine this one's (a materialized view's inputs),
         * when its writer asks it to follow the host's txns upper (docs/decoupling.md): granted
         * when every one is a txns table of this host with nothing written at or after
         * `newUpper`; it then reads as sealed through the txns upper until one of them is written.
         */
        follow: Type.Optional(Type.Array(CollectionId, { maxItems: 64 })),
      },
      { additionalProperties: false },
    ),
    { minItems: 1, maxItems: 10_000 },
  ),
});
/**
 * Per item of AdvanceUppers: `ok` with the new upper (`duplicate`: that token was applied
 * before), or the error an Append would have got (`UpperMismatch` with `currentUpper`,
 * `UnknownCollection` when the collection is not on this host or was dropped, ...).
 */
export const UppersAdvanced = defineMessage('UppersAdvanced', {
  results: Type.Array(
    Type.Union([
      Type.Object({ ok: Type.Literal(true), upper: Timestamp, duplicate: Type.Boolean(), following: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      Type.Object({ ok: Type.Literal(false), code: Type.String(), message: Type.String(), currentUpper: Type.Optional(Timestamp) }, { additionalProperties: false }),
    ]),
    { maxItems: 10_000 },
  ),
});

export const TXNS_COMMANDS = [AdvanceTxns, DescribeTxns, AdvanceUppers] as const;
export type TxnsCommand = MessageOf<typeof TXNS_COMMANDS>;
export type TxnsInfo = Static<typeof TxnsInfo>;
export type TxnsProgress = Static<typeof TxnsProgress>;
export type AdvanceUppers = Static<typeof AdvanceUppers>;
export type UppersAdvanced = Static<typeof UppersAdvanced>;

/** Valid examples (documentation, and the round-trip test). */
export const MESSAGE_EXAMPLES: Record<string, unknown> = {
  AdvanceTxns: { type: 'AdvanceTxns', writer: 'control.control', upper: 1_700_000_000_006 },
  DescribeTxns: { type: 'DescribeTxns' },
  TxnsInfo: { type: 'TxnsInfo', host: 'storage-0', upper: 1_700_000_000_006, advances: 12 },
  TxnsProgress: { type: 'TxnsProgress', host: 'storage-0', upper: 1_700_000_000_006 },
  AdvanceUppers: {
    type: 'AdvanceUppers',
    items: [
      { collection: 'u12', writer: 'c1-u12', token: '1700000000004-1700000000006', expectedUpper: 1_700_000_000_004, newUpper: 1_700_000_000_006 },
      { collection: 'u14', writer: 'c1-u14', token: '1700000000004-1700000000006', expectedUpper: 1_700_000_000_004, newUpper: 1_700_000_000_006, follow: ['u3'] },
    ],
  },
  UppersAdvanced: {
    type: 'UppersAdvanced',
    results: [
      { ok: true, upper: 1_700_000_000_006, duplicate: false },
      { ok: false, code: 'UpperMismatch', message: 'collection u13: expected upper 4, the upper is 6', currentUpper: 1_700_000_000_006 },
    ],
  },
};
