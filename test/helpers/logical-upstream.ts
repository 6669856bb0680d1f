/**
 * A PostgreSQL with wal_level=logical for examples and benches (not jest: the tests use
 * test/helpers/postgres.ts logicalServer, whose private cluster jest's teardown stops):
 * 127.0.0.1:5432 when it takes user postgres without a password and has wal_level=logical, else
 * a private cluster (initdb) in a temp dir with wal_level=logical on a free port (or `fixedPort`),
 * which stop() stops and removes.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { LOGICAL_SETTINGS, startCluster, stopCluster } from './postgres-cluster.js';

export interface LogicalUpstream {
  port: number;
  /** True when it is a private cluster started here. */
  private: boolean;
  stop(): void;
}

export async function logicalUpstream(prefix: string, fixedPort?: number): Promise<LogicalUpstream> {
  try {
    const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 3000 });
    await c.connect();
    const level = (await c.query('SHOW wal_level')).rows[0]?.wal_level;
    await c.end();
    if (level === 'logical') return { port: 5432, private: false, stop() {} };
  } catch {
    // not usable: a private cluster
  }
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  chmodSync(dir, 0o755);
  const port = await startCluster(dir, 'logical', LOGICAL_SETTINGS, fixedPort);
  return {
    port,
    private: true,
    stop() {
      stopCluster(dir, 'logical');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
