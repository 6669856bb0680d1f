/**
 * Prepared SELECTs whose plan is reused across bound values (actors/control/param-plan.ts): the
 * same named statements with node-postgres against a real platform and against PostgreSQL 15,
 * value after value, with the answers compared each time. Covers values that must not reuse a
 * template (NULL, a value the column's type refuses, a contradiction planned with its first
 * values, a parameter used outside `col = $n`), text and timestamp keys, and a catalog change
 * between two executions.
 */
import pg from 'pg';
import { setupNats, type TestNats } from '../../helpers/nats.js';
import { connectOracle } from '../../helpers/postgres.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../../helpers/platform.js';

const region = 'pgparamplan';
let nats: TestNats;
let p: TestPlatform;
let ours: pg.Client;
let oracle: pg.Client;

const SETUP = [
  'CREATE TABLE kv (k int, v text)',
  `INSERT INTO kv VALUES ${Array.from({ length: 50 }, (_, k) => `(${k}, 'value ${k}')`).join(', ')}`,
  'CREATE TABLE names (s text, n int)',
  `INSERT INTO names VALUES ('a', 1), ('b', 2), ('it''s', 3), ('', 4), ('7', 5)`,
  'CREATE TABLE events (ts timestamp, what text)',
  `INSERT INTO events VALUES ('2024-01-01 10:00:00', 'x'), ('2024-01-02 00:00:00', 'y')`,
];

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  ours = new pg.Client({ host: '127.0.0.1', port: await pgwirePort(p), user: 'materialize', database: 'materialize' });
  await ours.connect();
  oracle = await connectOracle({ database: 'dfn_param_plans', fresh: true });
  for (const s of SETUP) {
    await ours.query(s);
    await oracle.query(s);
  }
  // definite reads an index (the key lookup path); PostgreSQL its table.
  await ours.query('CREATE MATERIALIZED VIEW kv_i AS SELECT k, v FROM kv');
  await ours.query('CREATE INDEX kv_i_k ON kv_i (k)');
  await ours.query('CREATE VIEW names_i AS SELECT s, n FROM names');
  await ours.query('CREATE INDEX names_i_s ON names (s)');
  await oracle.query('CREATE VIEW kv_i AS SELECT k, v FROM kv');
  await oracle.query('CREATE VIEW names_i AS SELECT s, n FROM names');
}, 120_000);

afterAll(async () => {
  await ours?.end().catch(() => undefined);
  await oracle?.end().catch(() => undefined);
  await p?.cleanup();
  await nats?.cleanup();
});

type Outcome = { rows: unknown[] } | { error: string };

async function outcome(c: pg.Client, name: string, text: string, values: unknown[]): Promise<Outcome> {
  try {
    const r = await c.query({ name, text, values });
    return { rows: r.rows };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? (err as Error).message };
  }
}

/** Runs the statement with each value list on both servers; the answers must be the same. */
async function compare(name: string, text: string, valueLists: unknown[][]): Promise<void> {
  for (const values of valueLists) {
    const expected = await outcome(oracle, name, text, values);
    const got = await outcome(ours, name, text, values);
    expect({ values, got }).toEqual({ values, got: expected });
  }
}

test('a point SELECT by key: value after value, as PostgreSQL answers', async () => {
  await compare('point', 'SELECT v FROM kv_i WHERE k = $1', [[7], [8], [999], ['07'], [-1], [null], ['abc'], [5], [7], ['2147483648'], [49]]);
  await compare('point-flipped', 'SELECT k, v FROM kv_i WHERE $1 = k ORDER BY k LIMIT 1', [[3], [4], [3]]);
  await compare('point-and', 'SELECT k, v FROM kv_i WHERE k = $1 AND v = $2', [[3, 'value 3'], [3, 'value 4'], [4, 'value 4']]);
});

test('the first values must not fix the plan: contradictions, NULLs, parameters outside col = $n', async () => {
  // Planned first with a contradiction (7 = 8): the later (7, 7) must still find the row.
  await compare('contradiction', 'SELECT k FROM kv_i WHERE k = $1 AND k = $2', [[7, 8], [7, 7], [8, 8], [1, 2]]);
  await compare('bad-first', 'SELECT v FROM kv_i WHERE k = $1', [['abc'], [7], ['x'], [8]]);
  await compare('null-first', 'SELECT k FROM kv_i WHERE k = $1', [[null], [2], [null], [3]]);
  // $1 > 5 could be folded with the first value: no template, each value planned.
  await compare('folded', 'SELECT k FROM kv_i WHERE k = $1 OR $1 > 47 ORDER BY k', [[3], [48], [2]]);
  await compare('select-list', 'SELECT k, $1 AS p FROM kv_i WHERE k = $2', [['x', 1], ['y', 2]]);
  await compare('cast', 'SELECT k FROM kv_i WHERE k = $1::int', [[2], [5], [1]]);
});

test('text and timestamp keys', async () => {
  await compare('text-key', 'SELECT n FROM names_i WHERE s = $1', [['a'], ['b'], ["it's"], [''], ['7'], ['zz'], ['a']]);
  await compare('timestamp', 'SELECT what FROM events WHERE ts = $1', [['2024-01-01 10:00:00'], ['2024-01-02 00:00:00'], ['2024-01-03'], ['2024-01-01 10:00:00']]);
});

test('a catalog change between executions: the template is not used across it', async () => {
  await compare('across-ddl', 'SELECT v FROM kv_i WHERE k = $1', [[1], [2]]);
  await ours.query('CREATE INDEX kv_i_v ON kv_i (v)');
  await compare('across-ddl', 'SELECT v FROM kv_i WHERE k = $1', [[3], [4]]);
  await ours.query('DROP INDEX kv_i_k');
  await compare('across-ddl', 'SELECT v FROM kv_i WHERE k = $1', [[5], [6]]);
  await ours.query('CREATE INDEX kv_i_k ON kv_i (k)');
  await compare('across-ddl', 'SELECT v FROM kv_i WHERE k = $1', [[7], [8]]);
});
