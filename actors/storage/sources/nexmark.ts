/**
 * The Nexmark event generator, following the Beam / Flink generator (NexmarkUtils, GeneratorConfig,
 * PersonGenerator, AuctionGenerator, BidGenerator): in every 50 events 1 person, 3 auctions and 46
 * bids; person and auction ids count up from 1000; an auction's seller and a bid's bidder are hot
 * people (every 4th id) three times in four, else one of the 1,000 most recent; a bid's auction
 * is a hot one (every 2nd id) half the time, else one of the 100 in flight (or up to 10 ahead);
 * prices are 10^(6u) * 100 rounded; 5 categories from 10; event times 0.1 ms apart (10,000
 * events/s of event time) from 2024-01-01. Not bit-compatible with the Java generator: each
 * event's draws come from a PRNG seeded by its event number, so each row is a pure function of its
 * offset, the same on every run and after every restart.
 */
import type { Row } from '../../../protocol/types.js';
import type { NexmarkTable } from '../../../protocol/storage/nexmark.js';

const PERSON = 1;
const AUCTION = 3;
const TOTAL = 50;
const FIRST_PERSON_ID = 1000;
const FIRST_AUCTION_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
const HOT_AUCTION_RATIO = 2;
const HOT_SELLER_RATIO = 4;
const HOT_BIDDER_RATIO = 4;
const ACTIVE_PEOPLE = 1000;
const PERSON_ID_LEAD = 10;
const IN_FLIGHT_AUCTIONS = 100;
const AUCTION_ID_LEAD = 10;
const BASE_TIME = Date.UTC(2024, 0, 1);

const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
const CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** mulberry32 seeded by a mix of the event number: one independent stream per event. */
function eventRng(eventId: number): () => number {
  let s = (Math.imul(eventId ^ 0x2545f491, 0x9e3779b1) + 0x6d2b79f5) >>> 0;
  s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const below = (r: () => number, n: number): number => Math.floor(r() * n);
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[below(r, xs.length)]!;
const word = (r: () => number, n: number): string => Array.from({ length: n }, () => LETTERS[below(r, 26)]).join('');

/** The kind of event `eventId` (0-based). */
export function nexmarkKind(eventId: number): NexmarkTable {
  const rem = eventId % TOTAL;
  return rem < PERSON ? 'person' : rem < PERSON + AUCTION ? 'auction' : 'bid';
}

/** The 0-based id of the last person created at or before event `eventId`. */
function lastPerson(eventId: number): number {
  const epoch = Math.floor(eventId / TOTAL);
  const offset = Math.min(eventId % TOTAL, PERSON - 1);
  return epoch * PERSON + offset;
}

/** The 0-based id of the last auction created at or before event `eventId`. */
function lastAuction(eventId: number): number {
  let epoch = Math.floor(eventId / TOTAL);
  let offset = eventId % TOTAL;
  if (offset < PERSON) {
    epoch--;
    offset = AUCTION - 1;
  } else if (offset >= PERSON + AUCTION) offset = AUCTION - 1;
  else offset -= PERSON;
  return epoch * AUCTION + offset;
}

function recentPerson(eventId: number, r: () => number): number {
  const people = lastPerson(eventId) + 1;
  const active = Math.min(people, ACTIVE_PEOPLE);
  return people - active + below(r, active + PERSON_ID_LEAD);
}

function recentAuction(eventId: number, r: () => number): number {
  const max = lastAuction(eventId);
  const min = Math.max(max - IN_FLIGHT_AUCTIONS, 0);
  return min + below(r, max - min + 1 + AUCTION_ID_LEAD);
}

const price = (r: () => number): number => Math.round(10 ** (r() * 6) * 100);
const timeOf = (eventId: number): number => BASE_TIME + Math.floor(eventId / 10);

function personRow(eventId: number, r: () => number): Row {
  const card = Array.from({ length: 4 }, () => String(below(r, 10_000)).padStart(4, '0')).join(' ');
  return [
    lastPerson(eventId) + FIRST_PERSON_ID, `${pick(r, FIRST_NAMES)} ${pick(r, LAST_NAMES)}`, `${word(r, 7)}@${word(r, 5)}.com`, card,
    pick(r, US_CITIES), pick(r, US_STATES), timeOf(eventId), '',
  ];
}

function auctionRow(eventId: number, r: () => number): Row {
  const seller = below(r, HOT_SELLER_RATIO) > 0 ? Math.floor(lastPerson(eventId) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO : recentPerson(eventId, r);
  const initial = price(r);
  const at = timeOf(eventId);
  return [
    lastAuction(eventId) + FIRST_AUCTION_ID, word(r, 10), word(r, 20), initial, initial + price(r),
    at, at + 1000 + below(r, 20_000), seller + FIRST_PERSON_ID, FIRST_CATEGORY_ID + below(r, NUM_CATEGORIES), '',
  ];
}

function bidRow(eventId: number, r: () => number): Row {
  const auction = below(r, HOT_AUCTION_RATIO) > 0 ? Math.floor(lastAuction(eventId) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO : recentAuction(eventId, r);
  const bidder = below(r, HOT_BIDDER_RATIO) > 0 ? Math.floor(lastPerson(eventId) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1 : recentPerson(eventId, r);
  const channel = below(r, 10) === 0 ? `channel-${below(r, 10_000)}` : pick(r, CHANNELS);
  return [
    auction + FIRST_AUCTION_ID, bidder + FIRST_PERSON_ID, price(r), channel,
    `https://www.nexmark.com/${word(r, 5)}/${word(r, 5)}/${word(r, 5)}/item.htm?query=1&channel_id=${below(r, 1 << 20)}`, timeOf(eventId), '',
  ];
}

/** The rows offset `offset` (event `offset - 1`) adds to `table`: its event, when of that kind. */
export function nexmarkRows(table: NexmarkTable, offset: number): Row[] {
  const eventId = offset - 1;
  if (nexmarkKind(eventId) !== table) return [];
  const r = eventRng(eventId);
  return [table === 'person' ? personRow(eventId, r) : table === 'auction' ? auctionRow(eventId, r) : bidRow(eventId, r)];
}
