/**
 * A real NATS server and platform for one test file, with a node-postgres client of definite's
 * pgwire front end (`ours`) and one of the PostgreSQL oracle (`oracle`, test/helpers/postgres.ts):
 * started in `beforeAll`, stopped in `afterAll`; the fields are set once `beforeAll` has run.
 * `outcome` runs a statement for its text rows or SQLSTATE; `both` runs one in each, `same`
 * expects one to give the same in each. `engine`, a second client of definite with
 * `small_read_updates = 0`, sends every SELECT that is not a fast path to a transient dataflow on
 * the cluster: `same` runs each SELECT there too, so both COMPUTE's engine and the environment's
 * evaluation of small reads (executor.ts smallCollections) are held to PostgreSQL.
 */
import pg from 'pg';
import { setupNats, type TestNats } from '../helpers/nats.js';
import { connectOracle } from '../helpers/postgres.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../helpers/platform.js';

export interface PgPlatform {
  nats: TestNats;
  p: TestPlatform;
  ours: pg.Client;
  /** definite, with every non-fast-path SELECT computed by a transient dataflow. */
  engine: pg.Client;
  oracle: pg.Client;
  /** Run first in `afterAll`, while both clients are open (the test file's own cleanup). */
  beforeStop?: () => Promise<void>;
}

export function usePgPlatform(region: string, oracle: Parameters<typeof connectOracle>[0] = {}): PgPlatform {
  const t = {} as PgPlatform;
  beforeAll(async () => {
    t.nats = await setupNats();
    t.p = await startPlatform(t.nats, region);
    t.ours = new pg.Client({ host: '127.0.0.1', port: await pgwirePort(t.p), user: 'materialize', database: 'materialize' });
    await t.ours.connect();
    t.engine = new pg.Client({ host: '127.0.0.1', port: await pgwirePort(t.p), user: 'materialize', database: 'materialize' });
    await t.engine.connect();
    await t.engine.query('SET small_read_updates = 0');
    t.oracle = await connectOracle(oracle);
  });
  afterAll(async () => {
    await t.beforeStop?.().catch(() => undefined);
    await t.oracle?.end();
    await t.ours?.end();
    await t.engine?.end();
    await t.p?.cleanup();
    await t.nats?.cleanup();
  });
  return t;
}

/** Every value as the text the server sent (no client-side parsing). */
export const RAW_TEXT = { getTypeParser: () => (v: string) => v };

/** A statement's rows as text, or its SQLSTATE (with the message when DBG is set). */
export async function outcome(c: pg.Client, sql: string): Promise<{ rows?: unknown[][]; code?: string }> {
  try {
    const r = await c.query({ text: sql, rowMode: 'array', types: RAW_TEXT });
    return { rows: r.rows as unknown[][] };
  } catch (e) {
    return { code: (e as { code?: string }).code, ...(process.env['DBG'] ? { msg: (e as Error).message } : {}) };
  }
}

/** Runs `sql` in definite, then in the oracle. */
export async function both(t: PgPlatform, sql: string): Promise<void> {
  await t.ours.query(sql);
  await t.oracle.query(sql);
}

/** The same statement's text rows (or SQLSTATE) in both. */
export async function same(t: PgPlatform, sql: string): Promise<void> {
  const [ours, theirs] = [await outcome(t.ours, sql), await outcome(t.oracle, sql)];
  expect({ sql, ...ours }).toEqual({ sql, ...theirs });
  if (/^\s*(SELECT|WITH|VALUES|TABLE)\b/i.test(sql)) expect({ sql, engine: true, ...(await outcome(t.engine, sql)) }).toEqual({ sql, engine: true, ...theirs });
}
