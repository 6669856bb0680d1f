/**
 * `npm run example pg-cdc-restart [-- N]`: a PostgreSQL change-data-capture source ingests while
 * N upstream transactions (default 5,000, one row each) are written to PostgreSQL; the storage
 * host is killed with SIGKILL in the middle, the orchestrator restarts it, and the rows stored
 * are checked against what PostgreSQL committed. The last line is one JSON object:
 * committedUpstream (rows PostgreSQL acknowledged), stored, lost, duplicated, upstreamRereads
 * (transactions pgoutput sent again at or below the stored commit LSN, counted and skipped by the
 * source), restartMs (SIGKILL until the source commits again), and the slot's confirmed LSN
 * against the stored one. PostgreSQL: 127.0.0.1:5432 when it takes user postgres without a
 * password and has wal_level=logical, else a private cluster (initdb) in a temp dir with
 * wal_level=logical on a free port (DFN_EXAMPLE_PG_PORT picks it), stopped at the end.
 */
import pg from 'pg';
import { signal } from '../runtime/process-util.js';
import { StorageClient } from '../protocol/storage/client.js';
import { postgresSchema, type PostgresSource } from '../protocol/storage/source.js';
import { logicalUpstream } from '../test/helpers/logical-upstream.js';
import { startExamplePlatform, until } from './support/platform.js';

const DB = 'pgcdc_example';

export async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 5_000);
  const fixed = process.env['DFN_EXAMPLE_PG_PORT'];
  const pgServer = await logicalUpstream('pgcdc-example', fixed ? Number(fixed) : undefined);
  const admin = new pg.Client({ host: '127.0.0.1', port: pgServer.port, user: 'postgres', database: 'postgres' });
  await admin.connect();
  await admin.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '${DB}' AND NOT active`);
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  const up = new pg.Client({ host: '127.0.0.1', port: pgServer.port, user: 'postgres', database: DB });
  await up.connect();
  await up.query('CREATE TABLE events (id int PRIMARY KEY, payload text NOT NULL); ALTER TABLE events REPLICA IDENTITY FULL; CREATE PUBLICATION pub FOR TABLE events');
  const p = await startExamplePlatform('pgcdc');
  try {
    const client = new StorageClient(p.transport, p.region);
    const tables = [{ schema: 'public', name: 'events', columns: [{ name: 'id', typeOid: 23, type: 'int' as const }, { name: 'payload', typeOid: 25, type: 'text' as const }] }];
    const spec: PostgresSource = {
      kind: 'postgres',
      connection: { host: '127.0.0.1', port: pgServer.port, user: 'postgres', database: DB },
      publication: 'pub',
      slot: 'dfn_example_events',
      tables,
      schema: postgresSchema(tables),
    };
    await until(() => client.createSource('events', spec), 'source created', 60_000, 100);
    await until(async () => (await client.describe('events')).position > 0, 'snapshot committed', 60_000, 20);
    console.log(`source "events" streaming publication "pub" from PostgreSQL on port ${pgServer.port}; writing ${n} transactions`);

    let committed = 0;
    const writer = (async () => {
      for (let i = 1; i <= n; i++) {
        await up.query('INSERT INTO events VALUES ($1, $2)', [i, `e${i}`]);
        committed++;
      }
    })();

    await until(async () => (await client.describe('events')).updates >= n / 2, 'half ingested', 120_000, 10);
    const pid = await p.hostPid('storage-0');
    const positionAtKill = (await client.describe('events')).position;
    const killedAt = performance.now();
    signal(pid, 'SIGKILL');
    console.log(`SIGKILL storage host pid ${pid} at commit LSN position ${positionAtKill}`);
    await until(async () => (await p.hostPid('storage-0')) !== pid, 'host restarted', 120_000, 2);
    await until(async () => (await client.describe('events', 100)).position > positionAtKill, 'ingesting again', 120_000, 2);
    const restartMs = performance.now() - killedAt;
    await writer;
    const info = await until(async () => {
      const d = await client.describe('events');
      return d.updates >= committed ? d : undefined;
    }, 'all ingested', 120_000, 20);
    const rows = await client.snapshot('events', info.upper - 1, true);
    const counts = new Map<number, number>();
    for (const [row, diff] of rows) counts.set(row[1] as number, (counts.get(row[1] as number) ?? 0) + diff);
    let lost = 0;
    let duplicated = 0;
    for (let i = 1; i <= committed; i++) {
      const c = counts.get(i) ?? 0;
      if (c === 0) lost++;
      if (c > 1) duplicated += c - 1;
    }
    const stored = [...counts.values()].reduce((a, b) => a + b, 0);
    const slot = (await admin.query("SELECT confirmed_flush_lsn::text AS lsn, (confirmed_flush_lsn - '0/0'::pg_lsn)::bigint AS n FROM pg_replication_slots WHERE slot_name = $1", [spec.slot])).rows[0] as { lsn: string; n: string };
    await client.dropSource('events');
    const slotAfterDrop = (await admin.query('SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = $1', [spec.slot])).rows[0] as { n: number };
    console.log(
      JSON.stringify({
        committedUpstream: committed, stored, lost, duplicated, upstreamRereads: info.upstreamRereads, restartMs: Math.round(restartMs),
        storedCommitLsn: info.position, slotConfirmedFlushLsn: Number(slot.n), slotConfirmedAtOrPastStored: Number(slot.n) >= info.position, slotDroppedWithSource: slotAfterDrop.n === 0,
      }),
    );
  } finally {
    await p.stop();
    await up.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
    pgServer.stop();
  }
}
