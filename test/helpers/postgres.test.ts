/**
 * The oracle helper (test/helpers/postgres.ts) itself: the server it picks answers on the port it
 * reports, with database `test`, as postgres, in UTC; with DFN_ORACLE_PG=private it is this run's
 * own cluster (not 5432, its data directory in DFN_ORACLE_PG_DIR), trust-authenticated, and a
 * second connection reaches the same cluster; otherwise (auto) the server on 5432 when usable.
 * Run it both ways: `npx jest test/helpers/postgres.test.ts` and
 * `DFN_ORACLE_PG=private npx jest test/helpers/postgres.test.ts`.
 */
import { connectOracle, oraclePsqlArgs, oracleServer } from './postgres.js';
import { spawnSync } from 'node:child_process';

test('connectOracle reaches the server oracleServer names, database test, user postgres, UTC', async () => {
  const server = await oracleServer();
  const c = await connectOracle();
  try {
    const row = (await c.query("SELECT current_database() AS db, current_user AS u, current_setting('port') AS port, current_setting('TimeZone') AS tz, current_setting('data_directory') AS data")).rows[0];
    expect({ db: row.db, u: row.u, port: Number(row.port), tz: row.tz }).toEqual({ db: 'test', u: 'postgres', port: server.port, tz: 'UTC' });
    if (process.env['DFN_ORACLE_PG'] === 'private') {
      expect(server.private).toBe(true);
      expect(server.port).not.toBe(5432);
      expect(row.data.startsWith(`${process.env['DFN_ORACLE_PG_DIR']}/`)).toBe(true);
    } else if (process.env['DFN_ORACLE_PG'] === 'local') {
      expect(server.private).toBe(false);
    }
    console.log(`oracle: ${server.private ? 'private cluster' : 'the server'} on port ${server.port}, data directory ${row.data}`);
  } finally {
    await c.end();
  }
});

test('psql reaches the same server with oraclePsqlArgs; a fresh database of its own is empty', async () => {
  const r = spawnSync('psql', ['-X', '-At', ...(await oraclePsqlArgs()), '-c', "SELECT current_setting('port')"], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(Number(r.stdout.trim())).toBe((await oracleServer()).port);
  const first = await connectOracle({ database: 'dfn_helper_test', fresh: true });
  await first.query('CREATE TABLE t (x int)');
  await first.end();
  const again = await connectOracle({ database: 'dfn_helper_test', fresh: true });
  try {
    expect((await again.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 't'")).rows[0].n).toBe(0);
  } finally {
    await again.end();
  }
});
