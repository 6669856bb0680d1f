/**
 * The transaction log of tables (txns): one per storage host, at `txnsSubject(region, host)`.
 * Tables created by CONTROL (`TableSource.txns`) have a logical upper: max(their own upper, the
 * txns upper of their host). A commit appends only to the tables it wrote, then advances every
 * host's txns upper past its timestamp with `AdvanceTxns`, so a table nobody writes costs nothing
 * per commit and per tick, and a read at the commit's timestamp never waits for it. A host
 * refuses a table append with an update at a time below its txns upper (that time is sealed).
 * Each advance is published as `TxnsProgress` on `txnsProgressSubject(region, host)`.
 * See docs/decoupling.md.
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage, type MessageOf } from '../message.js';
import { Timestamp } from '../types.js';

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

export const TXNS_COMMANDS = [AdvanceTxns, DescribeTxns] as const;
export type TxnsCommand = MessageOf<typeof TXNS_COMMANDS>;
export type TxnsInfo = Static<typeof TxnsInfo>;
export type TxnsProgress = Static<typeof TxnsProgress>;

/** Valid examples (documentation, and the round-trip test). */
export const MESSAGE_EXAMPLES: Record<string, unknown> = {
  AdvanceTxns: { type: 'AdvanceTxns', writer: 'control.control', upper: 1_700_000_000_006 },
  DescribeTxns: { type: 'DescribeTxns' },
  TxnsInfo: { type: 'TxnsInfo', host: 'storage-0', upper: 1_700_000_000_006, advances: 12 },
  TxnsProgress: { type: 'TxnsProgress', host: 'storage-0', upper: 1_700_000_000_006 },
};
