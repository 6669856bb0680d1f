/**
 * The demo catalog `npm start` creates on an empty data dir (like Materialize's quickstart): an
 * auction generator source (subsources `auctions` and `bids`), a view of the bids on open
 * auctions, a materialized view of each auction's bid count and top bid, and an index on it for
 * fast peeks. The coordinator runs it once, on its first start, when DFN_DEMO_CATALOG=1 (set by
 * `definite up` unless `--no-demo` or DFN_DEMO=0).
 */
export const DEMO_CATALOG_SQL = `
CREATE SOURCE auction_house FROM LOAD GENERATOR AUCTION (TICK INTERVAL '1s');
CREATE VIEW bid_sizes AS SELECT b.auction_id, b.buyer, b.amount FROM bids b;
CREATE MATERIALIZED VIEW auction_summary AS
  SELECT a.id, a.item, count(b.id) AS bids, max(b.amount) AS top_bid
  FROM auctions a LEFT JOIN bids b ON b.auction_id = a.id
  GROUP BY a.id, a.item;
CREATE INDEX auction_summary_idx ON auction_summary (id);
`;

/** How to query the demo catalog (printed by `definite up`). */
export const DEMO_CATALOG_HINT = [
  'demo catalog: source auction_house (auctions, bids), view bid_sizes, materialized view auction_summary (indexed)',
  '  node bin/definite.js sql "SELECT * FROM auction_summary ORDER BY bids DESC LIMIT 5"',
  '  node bin/definite.js sql "SUBSCRIBE auction_summary WITH (PROGRESS)"',
  '  node bin/definite.js sql            (interactive)',
].join('\n');

/** True when the coordinator should create the demo catalog on an empty data dir. */
export function demoCatalogWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['DFN_DEMO_CATALOG'] === '1';
}
