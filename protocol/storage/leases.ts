/**
 * Lease renewal for many subscriptions at once. A subscription opened with a `progressInbox`
 * (one per subscriber process) is kept alive by `RenewLeases{progressInbox}`, which the subscriber
 * publishes (no reply) on `leasesSubject(region)` at least every 20 s while it has subscriptions:
 * every storage host renews the lease of each of its subscriptions opened with that inbox. So a
 * process subscribing to hundreds of idle collections sends one message per 20 s, not one per
 * subscription. A `Credit` still renews its own subscription's lease (60 s).
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage, type MessageOf } from '../message.js';

export const RenewLeases = defineMessage('RenewLeases', { progressInbox: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,256}$' }) });

export const LEASE_COMMANDS = [RenewLeases] as const;
export type LeaseCommand = MessageOf<typeof LEASE_COMMANDS>;
export type RenewLeases = Static<typeof RenewLeases>;

export const MESSAGE_EXAMPLES: Record<string, unknown> = {
  RenewLeases: { type: 'RenewLeases', progressInbox: '_INBOX.p1.progress' },
};
