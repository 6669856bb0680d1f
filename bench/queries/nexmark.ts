/**
 * The Nexmark queries definite's SQL expresses, over the NEXMARK load generator's `person`,
 * `auction` and `bid` (protocol/storage/nexmark.ts), written from Flink's Nexmark SQL
 * (nexmark/nexmark, queries/q*.sql) in Postgres syntax. Shared by bench/nexmark.ts and
 * test/control/nexmark.test.ts (which compares each with PostgreSQL).
 *
 * Left out: q5 and q7 (HOP / TUMBLE windows, which definite's SQL lacks), q6 (a ROWS window
 * frame per seller), q10 (a filesystem sink), q11 (session windows), q12 (processing-time
 * windows), q13 (a side input table), q14 (a UDF). Where Flink's ORDER BY in a ROW_NUMBER leaves
 * ties (q9, q18, q19), a tiebreaker is added, so that every engine must give one answer.
 */
export const NEXMARK_FLINK_PER_CORE: Record<string, number> = {
  // Published per-core throughput of Flink (nexmark/nexmark GUIDE_V1's result table, `Throughput/Cores`:
  // 100M events, parallelism 8, 8-21 cores measured; other hardware): events/s.
  q0: 155_020, q1: 157_940, q2: 175_210, q3: 152_120, q4: 34_330, q5: 22_140, q7: 12_330, q8: 146_140, q9: 14_240,
  q10: 57_810, q11: 39_700, q12: 75_670, q13: 130_730, q14: 161_230, q15: 72_420, q16: 18_650, q17: 116_800,
  q18: 53_700, q19: 44_040, q20: 18_980, q21: 98_490, q22: 129_960,
};

export const NEXMARK_QUERIES: Record<string, string> = {
  q0: 'SELECT auction, bidder, price, date_time, extra FROM bid',
  q1: 'SELECT auction, bidder, 0.908 * price AS price, date_time, extra FROM bid',
  q2: 'SELECT auction, price FROM bid WHERE auction % 123 = 0',
  q3: `SELECT p.name, p.city, p.state, a.id FROM auction a JOIN person p ON a.seller = p.id
       WHERE a.category = 10 AND (p.state = 'OR' OR p.state = 'ID' OR p.state = 'CA')`,
  q4: `SELECT q.category, avg(q.final) AS avg_final FROM (
         SELECT max(b.price) AS final, a.category FROM auction a, bid b
         WHERE a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.expires GROUP BY a.id, a.category) q
       GROUP BY q.category`,
  q8: `SELECT p.id, p.name, p.date_time FROM person p JOIN auction a ON p.id = a.seller
       WHERE date_trunc('second', p.date_time) = date_trunc('second', a.date_time)`,
  q9: `SELECT id, item_name, description, initial_bid, reserve, date_time, expires, seller, category, auction, bidder, price, bid_date_time FROM (
         SELECT a.*, b.auction, b.bidder, b.price, b.date_time AS bid_date_time,
                row_number() OVER (PARTITION BY a.id ORDER BY b.price DESC, b.date_time ASC, b.bidder ASC, b.url ASC) AS rownum
         FROM auction a, bid b WHERE a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.expires) t
       WHERE rownum <= 1`,
  q15: `SELECT date_time::date AS day, count(*) AS total_bids,
          count(*) FILTER (WHERE price < 10000) AS rank1_bids,
          count(*) FILTER (WHERE price >= 10000 AND price < 1000000) AS rank2_bids,
          count(*) FILTER (WHERE price >= 1000000) AS rank3_bids,
          count(DISTINCT bidder) AS total_bidders,
          count(DISTINCT bidder) FILTER (WHERE price < 10000) AS rank1_bidders,
          count(DISTINCT auction) AS total_auctions,
          count(DISTINCT auction) FILTER (WHERE price >= 1000000) AS rank3_auctions
        FROM bid GROUP BY date_time::date`,
  q16: `SELECT channel, date_time::date AS day, max(date_time) AS minute, count(*) AS total_bids,
          count(*) FILTER (WHERE price < 10000) AS rank1_bids,
          count(DISTINCT bidder) AS total_bidders, count(DISTINCT auction) AS total_auctions
        FROM bid GROUP BY channel, date_time::date`,
  q17: `SELECT auction, date_time::date AS day, count(*) AS total_bids,
          count(*) FILTER (WHERE price < 10000) AS rank1_bids,
          count(*) FILTER (WHERE price >= 1000000) AS rank3_bids,
          min(price) AS min_price, max(price) AS max_price, sum(price) AS sum_price
        FROM bid GROUP BY auction, date_time::date`,
  q18: `SELECT auction, bidder, price, channel, url, date_time FROM (
          SELECT *, row_number() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC, url DESC) AS rank_number FROM bid) t
        WHERE rank_number <= 1`,
  q19: `SELECT auction, bidder, price, channel, url, date_time, row_number FROM (
          SELECT *, row_number() OVER (PARTITION BY auction ORDER BY price DESC, date_time, url) AS row_number FROM bid) t
        WHERE row_number <= 10`,
  q20: `SELECT b.auction, b.bidder, b.price, b.channel, b.url, b.date_time, a.item_name, a.description, a.initial_bid,
          a.reserve, a.date_time AS auction_date_time, a.expires, a.seller, a.category
        FROM bid b JOIN auction a ON b.auction = a.id WHERE a.category = 10`,
  q21: `SELECT auction, bidder, price, channel,
          CASE WHEN lower(channel) = 'apple' THEN '0' WHEN lower(channel) = 'google' THEN '1'
               WHEN lower(channel) = 'facebook' THEN '2' WHEN lower(channel) = 'baidu' THEN '3'
               ELSE split_part(split_part(url, 'channel_id=', 2), '&', 1) END AS channel_id
        FROM bid WHERE url LIKE '%channel_id=%' OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu')`,
  q22: `SELECT auction, bidder, price, channel, split_part(url, '/', 4) AS dir1, split_part(url, '/', 5) AS dir2,
          split_part(url, '/', 6) AS dir3 FROM bid`,
};
