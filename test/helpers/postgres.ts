/**
 * Test helper: the PostgreSQL the oracle tests compare definite with. `oracleServer()` decides
 * once per test process: the server on 127.0.0.1:5432 when it takes user postgres without a
 * password (database `test` is created when the server answers but lacks it), else this jest
 * run's private cluster (test/helpers/postgres-cluster.ts), started on first use and shared by
 * every test file. DFN_ORACLE_PG picks instead of probing: `private` always uses the private
 * cluster, `local` only 127.0.0.1:5432 (an error when it is not usable); `auto` (the default)
 * probes. `connectOracle()` is the connected client the tests use (session time zone UTC, as
 * definite's), `oraclePsqlArgs()` psql's connection arguments for the same database.
 */
import pg from 'pg';
import { privateClusterPort, privateLogicalClusterPort } from './postgres-cluster.js';

export const ORACLE_HOST = '127.0.0.1';
export const ORACLE_USER = 'postgres';
export const ORACLE_DATABASE = 'test';
const LOCAL_PORT = 5432;

export interface OracleServer {
  host: string;
  port: number;
  user: string;
  /** True when it is this run's private cluster, not the server on 127.0.0.1:5432. */
  private: boolean;
}

let decided: Promise<OracleServer> | undefined;

/** The PostgreSQL server the oracle tests use (decided once per process). */
export function oracleServer(): Promise<OracleServer> {
  decided ??= decide();
  return decided;
}

async function decide(): Promise<OracleServer> {
  const mode = process.env['DFN_ORACLE_PG'] ?? 'auto';
  if (mode !== 'auto' && mode !== 'private' && mode !== 'local') {
    throw new Error(`DFN_ORACLE_PG is '${mode}': use auto (the default), private or local`);
  }
  if (mode !== 'private') {
    try {
      await ensureTestDatabase(LOCAL_PORT);
      return { host: ORACLE_HOST, port: LOCAL_PORT, user: ORACLE_USER, private: false };
    } catch (err) {
      if (mode === 'local') throw new Error(`DFN_ORACLE_PG=local, but ${ORACLE_HOST}:${LOCAL_PORT} is not usable: ${(err as Error).message}`);
    }
  }
  const port = await privateClusterPort();
  await ensureTestDatabase(port);
  return { host: ORACLE_HOST, port, user: ORACLE_USER, private: true };
}

/** A client of `database` on `port` as postgres, connected. */
async function connectTo(port: number, database: string): Promise<pg.Client> {
  // The timeout is the probe's (a port that accepts but never answers), not a test's.
  const c = new pg.Client({ host: ORACLE_HOST, port, user: ORACLE_USER, database, connectionTimeoutMillis: 10_000 });
  try {
    await c.connect();
  } catch (err) {
    await c.end().catch(() => undefined);
    throw err;
  }
  return c;
}

/** Runs `sql` in the `postgres` database of `port`. */
async function admin(port: number, sql: string): Promise<void> {
  const c = await connectTo(port, 'postgres');
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Succeeds when `port` takes postgres into database `test`, creating it when missing; else throws why not. */
async function ensureTestDatabase(port: number): Promise<void> {
  try {
    await (await connectTo(port, ORACLE_DATABASE)).end();
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err; // 3D000: no such database
    // Two test files may create it at once: 42P04 (exists) or 23505 (the catalog's unique index).
    await admin(port, `CREATE DATABASE ${ORACLE_DATABASE}`).catch((e: { code?: string }) => {
      if (e.code !== '42P04' && e.code !== '23505') throw e;
    });
  }
}

/**
 * A client of the oracle, connected, with the session time zone UTC. `database` (default `test`)
 * names another one; `fresh: true` drops and re-creates it first (a test file's own database).
 */
export async function connectOracle(opts: { database?: string; fresh?: boolean } = {}): Promise<pg.Client> {
  const { port } = await oracleServer();
  const database = opts.database ?? ORACLE_DATABASE;
  if (opts.fresh) {
    await admin(port, `DROP DATABASE IF EXISTS ${database}`);
    await admin(port, `CREATE DATABASE ${database}`);
  }
  const c = await connectTo(port, database);
  await c.query('SET TIME ZONE UTC');
  return c;
}

/** psql's arguments to connect to the oracle's `test` database. */
export async function oraclePsqlArgs(): Promise<string[]> {
  const { host, port, user } = await oracleServer();
  return ['-h', host, '-p', String(port), '-U', user, ORACLE_DATABASE];
}

let logical: Promise<OracleServer> | undefined;

/**
 * A PostgreSQL server with wal_level=logical for the PostgreSQL source tests: the server on
 * 127.0.0.1:5432 when it takes postgres without a password and has wal_level=logical, else this
 * jest run's private logical cluster (postgres-cluster.ts). Database `test` exists on it.
 */
export function logicalServer(): Promise<OracleServer> {
  logical ??= (async () => {
    if (process.env['DFN_ORACLE_PG'] !== 'private') {
      try {
        const c = await connectTo(LOCAL_PORT, 'postgres');
        try {
          const r = await c.query('SHOW wal_level');
          if (r.rows[0]?.wal_level === 'logical') {
            await ensureTestDatabase(LOCAL_PORT);
            return { host: ORACLE_HOST, port: LOCAL_PORT, user: ORACLE_USER, private: false };
          }
        } finally {
          await c.end();
        }
      } catch {
        // not usable: the private one
      }
    }
    const port = await privateLogicalClusterPort();
    await ensureTestDatabase(port);
    return { host: ORACLE_HOST, port, user: ORACLE_USER, private: true };
  })();
  return logical;
}

/** A client of `database` (created fresh when `fresh`) on the logical server, session time zone UTC. */
export async function connectLogical(opts: { database: string; fresh?: boolean }): Promise<pg.Client> {
  const { port } = await logicalServer();
  if (opts.fresh) {
    // Slots of an earlier run of the same test file would keep the database in use.
    await admin(port, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '${opts.database}' AND NOT active`);
    await admin(port, `DROP DATABASE IF EXISTS ${opts.database} WITH (FORCE)`);
    await admin(port, `CREATE DATABASE ${opts.database}`);
  }
  const c = await connectTo(port, opts.database);
  await c.query('SET TIME ZONE UTC');
  return c;
}
