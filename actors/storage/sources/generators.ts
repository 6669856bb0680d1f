/**
 * Deterministic load generators: each row is a pure function of its offset (1, 2, 3, ...), so a
 * restarted source produces exactly the rows it would have, and two sources with the same
 * settings agree. `counter` yields `[offset]`. `auction` follows Materialize's auction load
 * generator: offset n is auction n and bid n; a bid is on one of the ten latest auctions. `tpch`
 * is in tpch.ts, `nexmark` in nexmark.ts.
 */
import type { GeneratorSource } from '../../../protocol/storage/source.js';
import type { Row } from '../../../protocol/types.js';
import { TPCH_TABLES, type TpchTable } from '../../../protocol/storage/tpch.js';
import { tpchRows } from './tpch.js';
import { NEXMARK_TABLES, type NexmarkTable } from '../../../protocol/storage/nexmark.js';
import { nexmarkRows } from './nexmark.js';

const ITEMS = ['Signed Memorabilia', 'City Bar Crawl', 'Best Pizza in Town', 'Gift Basket', 'Custom Art'];
/** Generator time zero: end_time and bid_time are derived from it and the offset, not the clock. */
const EPOCH = Date.UTC(2024, 0, 1);

/** A 32-bit mix of (n, salt): stable across runs and platforms. */
function mix(n: number, salt: number): number {
  let h = (Math.imul(n ^ salt, 0x9e3779b1) + 0x7f4a7c15) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export function counterRow(offset: number): Row {
  return [offset];
}

export function auctionRow(offset: number): Row {
  return [offset, 1 + (mix(offset, 1) % 1000), ITEMS[mix(offset, 2) % ITEMS.length]!, EPOCH + offset * 1000 + 10_000];
}

export function bidRow(offset: number): Row {
  const auction = Math.max(1, offset - (mix(offset, 3) % 10));
  return [offset, 1 + (mix(offset, 4) % 1000), auction, 1 + (mix(offset, 5) % 100), EPOCH + offset * 1000 + (mix(offset, 6) % 1000)];
}

/** The rows offset `offset` of a generator source yields (one, except for TPC-H's lineitem and Nexmark's: none when the event is of another kind). */
export function generatorRows(spec: Pick<GeneratorSource, 'generator' | 'output' | 'scaleFactor'>, offset: number): Row[] {
  switch (spec.generator) {
    case 'counter':
      return [counterRow(offset)];
    case 'auction':
      return [spec.output === 'bids' ? bidRow(offset) : auctionRow(offset)];
    case 'tpch': {
      const table = spec.output as TpchTable;
      if (!TPCH_TABLES.includes(table)) throw new Error(`tpch generator: unknown table ${String(spec.output)}`);
      return tpchRows(table, spec.scaleFactor ?? 0.01, offset);
    }
    case 'nexmark': {
      const table = spec.output as NexmarkTable;
      if (!NEXMARK_TABLES.includes(table)) throw new Error(`nexmark generator: unknown table ${String(spec.output)}`);
      return nexmarkRows(table, offset);
    }
  }
}
