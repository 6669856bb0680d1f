/**
 * Connections to a `postgres` source's upstream: a plain SQL client (snapshot reads, slot
 * checks, dropping the slot) and a replication client (`replication=database`: CREATE_REPLICATION_SLOT,
 * START_REPLICATION). Both fix the session settings the value parser relies on and return every
 * value in its text form (no pg type parsing). The password is passed to the driver only.
 */
import pg from 'pg';
import { PG_SESSION_OPTIONS } from '../../../../protocol/storage/pg-types.js';
import type { PostgresSource } from '../../../../protocol/storage/source.js';

const TEXT = { getTypeParser: () => (v: string) => v };

export function pgClient(conn: PostgresSource['connection'], replication = false): pg.Client {
  return new pg.Client({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    database: conn.database,
    ...(conn.password !== undefined ? { password: conn.password } : {}),
    ...(replication ? { replication: 'database' } : {}),
    options: PG_SESSION_OPTIONS,
    types: TEXT as unknown as pg.CustomTypesConfig,
    connectionTimeoutMillis: 10_000,
    application_name: replication ? 'definite-replication' : 'definite',
  } as pg.ClientConfig);
}

/** Double-quotes an identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Single-quotes a literal. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** An upstream error's text without anything from the connection settings (pg never puts the password in one). */
export function describeError(err: unknown): string {
  const e = err as { message?: string; code?: string };
  return `${e.message ?? String(err)}${e.code ? ` (SQLSTATE ${e.code})` : ''}`;
}
