/**
 * Nexmark over the NEXMARK load generator against PostgreSQL (the oracle): a real platform creates
 * `CREATE SOURCE nexmark FROM LOAD GENERATOR NEXMARK (EVENTS PER SECOND 40000, MAX EVENTS 20000)`,
 * its three tables must hold exactly the generator's events (1 person : 3 auctions : 46 bids in
 * every 50), which are copied into PostgreSQL; then each query of bench/queries/nexmark.ts is a
 * materialized view in definite and a query in PostgreSQL, compared as multisets (numbers at 12
 * significant digits, timestamps as text). The generator's shape is checked too: ids count from
 * 1000, sellers and bidders are people that exist or are about to, prices within 10^2..10^8.
 */
import type pg from 'pg';
import { eventually } from '../helpers/nats.js';
import { usePgPlatform } from './pg-platform.js';
import { NEXMARK_SCHEMAS, NEXMARK_TABLES } from '../../protocol/storage/nexmark.js';
import { nexmarkKind, nexmarkRows } from '../../actors/storage/sources/nexmark.js';
import { NEXMARK_QUERIES } from '../../bench/queries/nexmark.js';

const EVENTS = 20_000;
const region = 'nexmark';
const schema = `nexmark_${process.pid}_${Date.now()}`;
const t = usePgPlatform(region);
beforeAll(async () => {
  await t.oracle.query(`CREATE SCHEMA ${schema}`);
  await t.oracle.query(`SET search_path TO ${schema}`);
});
t.beforeStop = async () => {
  await t.oracle?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
};

const raw = { getTypeParser: () => (v: string) => v };
async function rows(c: pg.Client, sql: string): Promise<Array<Array<string | null>>> {
  return (await c.query({ text: sql, rowMode: 'array', types: raw })).rows as Array<Array<string | null>>;
}

/** A value for comparison: numbers at 12 significant digits (a numeric's scale or an average's rounding aside), text as it is. */
const norm = (v: string | null): string | null => (v !== null && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v) ? String(Number(Number(v).toPrecision(12))) : v);
const multiset = (rs: Array<Array<string | null>>): string[] => rs.map((r) => JSON.stringify(r.map(norm))).sort();

test('the generator: proportions, ids, references, determinism', () => {
  const counts = { person: 0, auction: 0, bid: 0 };
  for (let e = 0; e < 5000; e++) counts[nexmarkKind(e)]++;
  expect(counts).toEqual({ person: 100, auction: 300, bid: 4600 });
  const persons = new Set<number>();
  const auctions = new Set<number>();
  for (let o = 1; o <= 5000; o++) {
    for (const r of nexmarkRows('person', o)) persons.add(r[0] as number);
    for (const r of nexmarkRows('auction', o)) {
      auctions.add(r[0] as number);
      expect(persons.has(r[7] as number) || (r[7] as number) <= Math.max(...persons) + 10).toBe(true); // a seller that exists or is about to
      expect([10, 11, 12, 13, 14]).toContain(r[8]);
      expect(r[6] as number).toBeGreaterThan(r[5] as number);
    }
    for (const r of nexmarkRows('bid', o)) {
      expect(r[0] as number).toBeLessThanOrEqual(Math.max(...auctions) + 11);
      expect(r[2] as number).toBeGreaterThanOrEqual(100);
      expect(r[2] as number).toBeLessThanOrEqual(100_000_000);
    }
  }
  expect(Math.min(...persons)).toBe(1000);
  expect(Math.min(...auctions)).toBe(1000);
  expect(persons.size).toBe(100);
  expect(auctions.size).toBe(300);
  expect(nexmarkRows('bid', 4321)).toEqual(nexmarkRows('bid', 4321));
  expect(nexmarkRows('person', 4321)).toEqual([]);
});

test('each Nexmark query as a materialized view equals PostgreSQL on the generated events', async () => {
  const { ours, oracle } = t;
  await ours.query(`CREATE SOURCE nexmark FROM LOAD GENERATOR NEXMARK (EVENTS PER SECOND 40000, MAX EVENTS ${EVENTS})`);
  const expected = { person: EVENTS / 50, auction: (EVENTS / 50) * 3, bid: (EVENTS / 50) * 46 };
  await eventually(async () => {
    for (const tb of NEXMARK_TABLES) if (Number((await rows(ours, `SELECT count(*) FROM ${tb}`))[0]![0]) !== expected[tb]) return false;
    return true;
  }, 'every Nexmark table complete', 300_000);
  // one Nexmark source per schema: its tables' names are taken
  await expect(ours.query('CREATE SOURCE nx2 FROM LOAD GENERATOR NEXMARK')).rejects.toMatchObject({ code: '42710' });
  for (const tb of NEXMARK_TABLES) {
    const cols = NEXMARK_SCHEMAS[tb];
    await oracle.query(`CREATE TABLE ${tb} (${cols.map((c) => `${c.name} ${c.type} NOT NULL`).join(', ')})`);
    const data = await rows(ours, `SELECT * FROM ${tb}`);
    const generated = Array.from({ length: EVENTS }, (_, i) => nexmarkRows(tb, i + 1)).flat();
    expect(data.length).toBe(generated.length);
    const per = Math.floor(60_000 / cols.length);
    for (let i = 0; i < data.length; i += per) {
      const chunk = data.slice(i, i + per);
      await oracle.query(`INSERT INTO ${tb} VALUES ${chunk.map((_, r) => `(${cols.map((_c, k) => `$${r * cols.length + k + 1}`).join(', ')})`).join(', ')}`, chunk.flat());
    }
  }
  // definite's rows are the generator's: ids and money summed on both sides
  const [[p, a, b]] = (await rows(oracle, 'SELECT (SELECT sum(id) FROM person), (SELECT sum(reserve) FROM auction), (SELECT sum(price) FROM bid)')) as [[string, string, string]];
  const sum = (tb: 'person' | 'auction' | 'bid', k: number) => Array.from({ length: EVENTS }, (_, i) => nexmarkRows(tb, i + 1)).flat().reduce((s, r) => s + (r[k] as number), 0);
  expect([Number(p), Number(a), Number(b)]).toEqual([sum('person', 0), sum('auction', 4), sum('bid', 2)]);

  const failures: string[] = [];
  const report: string[] = [];
  for (const [q, sql] of Object.entries(NEXMARK_QUERIES)) {
    const want = await rows(oracle, sql);
    const start = Date.now();
    try {
      await ours.query(`CREATE MATERIALIZED VIEW ${q} AS ${sql}`);
      const got = await rows(ours, `SELECT * FROM ${q}`);
      const ok = JSON.stringify(multiset(got)) === JSON.stringify(multiset(want));
      report.push(`${q}: ${Date.now() - start} ms, ${got.length} rows (PostgreSQL ${want.length})${ok ? '' : ' MISMATCH'}`);
      if (!ok) failures.push(`${q} differs:\n  definite ${JSON.stringify(multiset(got).slice(0, 3))}\n  postgres ${JSON.stringify(multiset(want).slice(0, 3))}`);
      expect({ q, rows: want.length > 0 }).toEqual({ q, rows: true });
    } catch (err) {
      report.push(`${q}: ERROR ${(err as Error).message}`);
      failures.push(`${q}: ${(err as Error).message}`);
    }
  }
  console.log(report.join('\n'));
  expect(failures).toEqual([]);
});

test('bad NEXMARK options are refused', async () => {
  await expect(t.ours.query('CREATE SOURCE nx2 FROM LOAD GENERATOR NEXMARK (EVENTS PER SECOND 0)')).rejects.toMatchObject({ code: '22023' });
  await expect(t.ours.query('CREATE SOURCE nx2 FROM LOAD GENERATOR NEXMARK (MAX EVENTS 0)')).rejects.toMatchObject({ code: '22023' });
});
