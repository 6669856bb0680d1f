/**
 * The timeline protocol: one timestamp oracle per timeline, at `dfn.<region>.timeline.<name>`.
 *
 * What the oracle must do (and keep doing across restarts):
 * - `WriteTs` returns a timestamp greater than every timestamp it returned before (read or write).
 * - `ReadTs` returns a timestamp at least every write timestamp applied with `ApplyWrite`.
 * - `ApplyWrite{ts}` records that the write at `ts` is durable in STORAGE, so reads see it. A
 *   `ts` beyond the last `WriteTs` is accepted up to the oracle's clock (CONTROL linearizes a read
 *   served ahead of `ReadTs` this way) and later `WriteTs` answers are beyond it; a `ts` ahead of
 *   the clock is refused with `InvalidRequest`.
 * It never hands out the same write timestamp twice and never goes backwards, even after a crash:
 * it persists a bound ahead of what it hands out and restarts from that bound.
 * Timestamps are milliseconds since the epoch, never behind the wall clock when handed out fresh.
 */
import type { Static } from '@sinclair/typebox';
import { defineMessage } from '../message.js';
import { Timestamp } from '../types.js';
import { regionPrefix, token } from '../subjects.js';

/** `dfn.<region>.timeline.<name>`: the oracle's address. */
export function timelineSubject(region: string, name: string): string {
  return `${regionPrefix(region)}.timeline.${token(name, 'timeline name')}`;
}

export const WriteTs = defineMessage('WriteTs', {}, 'Allocate a write timestamp.');
export const ReadTs = defineMessage('ReadTs', {}, 'The timestamp at which a strict-serializable read sees every applied write.');
export const ApplyWrite = defineMessage('ApplyWrite', { ts: Timestamp }, 'The write at ts is durable; later reads must see it.');
export const TIMELINE_COMMANDS = [WriteTs, ReadTs, ApplyWrite] as const;
export type TimelineCommand = Static<(typeof TIMELINE_COMMANDS)[number]>;

/** Reply to every timeline command: the timestamp asked for (ApplyWrite: the new read timestamp). */
export const TimestampReply = defineMessage('Timestamp', { ts: Timestamp, readTs: Timestamp, writeTs: Timestamp });
export type TimestampReply = Static<typeof TimestampReply>;
export const TIMELINE_REPLIES = [TimestampReply] as const;
