/**
 * The Nexmark load generator's relations (the benchmark of Flink, Beam and Feldera), shared by
 * CONTROL (catalog columns, subsources) and STORAGE (the generator, actors/storage/sources/
 * nexmark.ts): `person`, `auction` and `bid` with the columns of Flink's Nexmark DDL (ids and
 * money bigint, times timestamp). Offset n is Nexmark event n - 1 of one global event sequence,
 * 1 person : 3 auctions : 46 bids in every 50 events; each table's collection keeps the events of
 * its kind, so the three collections of one source advance through the same events together.
 */
import type { Column, Schema } from '../types.js';

export const NEXMARK_TABLES = ['person', 'auction', 'bid'] as const;
export type NexmarkTable = (typeof NEXMARK_TABLES)[number];

const c = (name: string, type: Column['type']): Column => ({ name, type, nullable: false });

export const NEXMARK_SCHEMAS: Record<NexmarkTable, Schema> = {
  person: [c('id', 'bigint'), c('name', 'text'), c('email_address', 'text'), c('credit_card', 'text'), c('city', 'text'), c('state', 'text'), c('date_time', 'timestamp'), c('extra', 'text')],
  auction: [
    c('id', 'bigint'), c('item_name', 'text'), c('description', 'text'), c('initial_bid', 'bigint'), c('reserve', 'bigint'),
    c('date_time', 'timestamp'), c('expires', 'timestamp'), c('seller', 'bigint'), c('category', 'bigint'), c('extra', 'text'),
  ],
  bid: [c('auction', 'bigint'), c('bidder', 'bigint'), c('price', 'bigint'), c('channel', 'text'), c('url', 'text'), c('date_time', 'timestamp'), c('extra', 'text')],
};

/** The default event rate (Nexmark's default: 10,000 events per second). */
export const NEXMARK_DEFAULT_RATE = 10_000;
export const NEXMARK_MAX_RATE = 1_000_000;
