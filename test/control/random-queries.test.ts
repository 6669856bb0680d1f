/**
 * Differential tests against PostgreSQL (issue #18): random queries over random data, compared as
 * multisets with PostgreSQL 15's answers (test/helpers/postgres.ts, in a database of this file's
 * own). The generator (random-query-gen.ts) covers what definite's SQL
 * supports: arithmetic, CASE, COALESCE/NULLIF, comparisons, AND/OR/NOT with NULLs, IN lists,
 * BETWEEN, LIKE, inner and left joins, GROUP BY / HAVING with count, sum, min, max, avg and
 * count(DISTINCT), DISTINCT, global aggregates, UNION/INTERSECT/EXCEPT [ALL] and IN/EXISTS
 * subqueries. Each query runs as a SELECT; some are kept as materialized views through rounds of
 * random INSERT / UPDATE / DELETE applied to both. A wrong answer fails the test, and so does an
 * error from definite where PostgreSQL answers (except an overflow only one evaluation order
 * reaches: mayOverflow). The seed is in each failure's message, so it
 * replays (DFN_RANDOM_QUERY_SEED picks another seed).
 */
import type pg from 'pg';
import type { Row } from '../../protocol/types.js';
import { connectOracle } from '../helpers/postgres.js';
import { usePlatform } from './sql-client.js';
import { QueryGen, randomRows } from './random-query-gen.js';
import { isNumericString } from '../../protocol/numeric.js';

const SEED = Number(process.env['DFN_RANDOM_QUERY_SEED'] ?? 20261207);

let pgClient: pg.Client;
beforeAll(async () => {
  pgClient = await connectOracle({ database: 'definite_random_queries_test', fresh: true });
});
afterAll(async () => pgClient?.end());

// `b` runs every SELECT that is not a fast path as a transient dataflow (small_read_updates = 0);
// `a` evaluates those over small tables in the environment process (executor.ts smallCollections).
const t = usePlatform('sqlrandom', undefined, { second: true });
const gen = new QueryGen(SEED);

/** One value as both sides are compared: numbers (PostgreSQL's bigint / numeric text too) to 9 significant digits. */
function norm(v: unknown): unknown {
  if (isNumericString(v)) v = (v as string).slice(1); // a numeric carried as a string (protocol/numeric.ts)
  if (typeof v === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v)) v = Number(v);
  if (typeof v === 'number') return Number(v.toPrecision(9));
  return v;
}
const normRows = (rows: unknown[][]): string[] => rows.map((r) => JSON.stringify(r.map(norm))).sort();

async function pgRows(q: string): Promise<string[] | Error> {
  try {
    return normRows((await pgClient.query({ text: q, rowMode: 'array' })).rows as unknown[][]);
  } catch (e) {
    return e as Error;
  }
}
async function ourRows(q: string, c = t.a): Promise<string[] | Error> {
  try {
    return normRows((await c.rows(q)) as Row[] as unknown[][]);
  } catch (e) {
    return e as Error;
  }
}

/**
 * A query with an int4-overflowing literal may fail with 22003 in one system and not the other:
 * SQL leaves the order of evaluation open (PostgreSQL reorders a WHERE's conditions and folds
 * constants; definite evaluates as written), so an overflow that only one evaluation order
 * reaches is not a wrong answer. Answers are still compared whenever both answer.
 */
function mayOverflow(q: string, got: string[] | Error): boolean {
  return got instanceof Error && (got as { sqlstate?: string }).sqlstate === '22003' && /2147483647|1073741824/.test(q);
}

async function both(text: string): Promise<void> {
  await t.a.sql(text);
  await pgClient.query(text);
}

beforeAll(async () => {
  await both('CREATE TABLE r (a int, b int, c text, n numeric); CREATE TABLE s (a int, d int)');
  await both(`INSERT INTO r VALUES ${randomRows(gen, 'r', 14)}`);
  await both(`INSERT INTO s VALUES ${randomRows(gen, 's', 10)}`);
  await t.b.sql('SET small_read_updates = 0');
});

test('random SELECTs give PostgreSQL 15 its answers', async () => {
  const wrong: string[] = [];
  let compared = 0;
  for (let i = 0; i < 250; i++) {
    const q = gen.query();
    const expected = await pgRows(q);
    if (expected instanceof Error) continue; // not a query PostgreSQL answers either
    compared++;
    for (const [route, c] of [['evaluated here', t.a], ['on the cluster', t.b]] as const) {
      const got = await ourRows(q, c);
      if (mayOverflow(q, got)) continue;
      if (got instanceof Error) wrong.push(`seed ${SEED} query ${i} (${route}): ${q}\n  definite failed: ${got.message}`);
      else if (JSON.stringify(got) !== JSON.stringify(expected)) wrong.push(`seed ${SEED} query ${i} (${route}): ${q}\n  definite: ${got.join(' ')}\n  postgres: ${expected.join(' ')}`);
    }
  }
  expect(compared).toBeGreaterThan(200);
  expect(wrong).toEqual([]);
});

test('random materialized views stay equal to PostgreSQL through random writes', async () => {
  const views: string[] = [];
  for (let i = 0; views.length < 16; i++) {
    const q = gen.query();
    if ((await pgRows(q)) instanceof Error) continue;
    const name = `rv${views.length}`;
    const created = await t.a.sql(`CREATE MATERIALIZED VIEW ${name} AS ${q}`).catch((e: Error) => e);
    if (created instanceof Error && mayOverflow(q, created)) continue;
    if (created instanceof Error) throw created;
    views.push(q);
  }
  const wrong: string[] = [];
  for (let round = 0; round < 5; round++) {
    for (const w of gen.writes()) await both(w);
    for (const [i, q] of views.entries()) {
      const got = await ourRows(`SELECT * FROM rv${i}`);
      const expected = await pgRows(q);
      if (got instanceof Error && expected instanceof Error) continue; // both in an error state
      if (expected instanceof Error ? true : mayOverflow(q, got)) continue;
      if (got instanceof Error || JSON.stringify(got) !== JSON.stringify(expected)) {
        wrong.push(`seed ${SEED} round ${round} view rv${i}: ${q}\n  definite: ${got instanceof Error ? got.message : got.join(' ')}\n  postgres: ${expected instanceof Error ? expected.message : expected.join(' ')}`);
      }
    }
  }
  expect(wrong).toEqual([]);
});
