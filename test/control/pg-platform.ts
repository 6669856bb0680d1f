/**
 * A real NATS server and platform for one test file, with a node-postgres client of definite's
 * pgwire front end (`ours`) and one of the PostgreSQL oracle (`oracle`, test/helpers/postgres.ts):
 * started in `beforeAll`, stopped in `afterAll`; the fields are set once `beforeAll` has run.
 */
import pg from 'pg';
import { setupNats, type TestNats } from '../helpers/nats.js';
import { connectOracle } from '../helpers/postgres.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../helpers/platform.js';

export interface PgPlatform {
  nats: TestNats;
  p: TestPlatform;
  ours: pg.Client;
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
    t.oracle = await connectOracle(oracle);
  });
  afterAll(async () => {
    await t.beforeStop?.().catch(() => undefined);
    await t.oracle?.end();
    await t.ours?.end();
    await t.p?.cleanup();
    await t.nats?.cleanup();
  });
  return t;
}
