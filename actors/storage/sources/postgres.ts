/**
 * The PostgreSQL change-data-capture driver (docs/sources-postgres.md). One collection holds
 * every upstream table of the source (row `[i, ...]` is from `spec.tables[i]`); CONTROL's
 * subsources project it. At its first start (stored position 0) it creates the logical
 * replication slot with an exported snapshot, reads every table in a REPEATABLE READ transaction
 * on that snapshot and commits the rows at one timestamp with position = consistent point - 1.
 * Then it streams from position + 1 (pgoutput, proto_version 1): each upstream transaction is
 * buffered until its Commit; the committed transactions waiting are written in one
 * `shard.ingest` (rows, new upper and the last commit LSN in one atomic batch), and only after
 * that the slot's flush LSN is confirmed (Standby Status Update). A transaction whose commit LSN
 * is at or below the stored position (pgoutput resending after a restart) is skipped and counted
 * in `upstreamRereads`. What cannot be ingested correctly stalls the source with the reason and
 * writes nothing more: a changed table schema, a TRUNCATE, an UPDATE/DELETE without the old row
 * (REPLICA IDENTITY not FULL), a value definite cannot hold. Upstream errors (connection lost,
 * slot or publication dropped) stall it too, and it retries with exponential backoff.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { PostgresSource } from '../../../protocol/storage/source.js';
import { pgTextValue } from '../../../protocol/storage/pg-types.js';
import type { Row, Update } from '../../../protocol/types.js';
import type { DriverContext, SourceDriver } from './driver.js';
import { decodeCopyData, decodePgOutput, formatLsn, parseLsn, standbyStatusUpdate, type PgOutputMessage, type TupleValue } from './pg/pgoutput.js';
import { describeError, pgClient, quoteIdent, quoteLiteral } from './pg/connect.js';

/** Rows of the snapshot per staged part (one cursor FETCH): the memory the snapshot holds at once. */
const SNAPSHOT_PART_ROWS = Number(process.env['DFN_PG_SNAPSHOT_PART_ROWS']) || 10_000;
/** The writer name of the snapshot's staged parts. */
const SNAPSHOT_WRITER = 'pg-snapshot';

const IDLE_TICK_MS = 1000;
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 30_000;

/** A failure that no retry can fix: the source stays stalled with this reason. */
class FatalStall extends Error {}

interface Txn {
  commitLsn: number;
  endLsn: number;
  rows: Array<[Row, number]>;
}

export class PostgresDriver implements SourceDriver {
  private running = false;
  private idle: NodeJS.Timeout | undefined;
  private repl: pg.Client | undefined;
  private sql: pg.Client | undefined;
  /** Upstream relation oid -> index in spec.tables (-1: not one of ours). */
  private relations = new Map<number, number>();
  private current: Txn | undefined;
  private pending: Txn[] = [];
  private flushing: Promise<void> = Promise.resolve();
  /** Committed upstream transactions received but not yet durable here (waiting or being written). */
  private undurable = 0;
  /** The LSN confirmed to the slot (flush), as last sent. */
  private confirmed = 0;
  private fatal: string | undefined;
  private reason: string | undefined;
  private counters = { transactions: 0, changes: 0, snapshotRows: 0, snapshotParts: 0, keepalives: 0, connects: 0 };
  private readonly offsets: number[];

  constructor(
    private readonly spec: PostgresSource,
    private readonly ctx: DriverContext,
  ) {
    this.offsets = [];
    let at = 1;
    for (const t of spec.tables) {
      this.offsets.push(at);
      at += t.columns.length;
    }
  }

  start(): void {
    this.running = true;
    this.idle = setInterval(() => {
      if (!this.ctx.alive()) return this.stop();
      // Not while stalled: a source that cannot see its upstream does not claim nothing changed there
      // (reads at later times wait instead of answering stale), as Materialize's upper stops too.
      // Every tick, even soon after a commit: a strict-serializable read at a time past the last
      // commit (a table write or tick moved the oracle there) waits for this upper, at most a tick.
      if (this.reason || this.pending.length > 0) return;
      this.scheduleFlush();
    }, IDLE_TICK_MS);
    void this.run();
  }

  stop(): void {
    this.running = false;
    if (this.idle) clearInterval(this.idle);
    this.closeClients();
  }

  info(): Record<string, unknown> {
    return {
      publication: this.spec.publication,
      slot: this.spec.slot,
      tables: this.spec.tables.map((t) => `${t.schema}.${t.name}`),
      lsn: formatLsn(this.ctx.shard.position),
      confirmedLsn: formatLsn(this.confirmed),
      ...this.counters,
      ...(this.reason ? { stalled: this.reason } : {}),
    };
  }

  /** DROP SOURCE: drops the replication slot (after stop()), retrying while its walsender lets go. */
  async dropUpstream(): Promise<void> {
    this.stop();
    const c = pgClient(this.spec.connection);
    try {
      await c.connect();
      for (let attempt = 0; ; attempt++) {
        try {
          await c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [this.spec.slot]);
          return;
        } catch (err) {
          // 55006: the slot is still active (our walsender has not noticed the closed connection yet).
          if ((err as { code?: string }).code !== '55006' || attempt >= 50) throw err;
          await sleep(200);
        }
      }
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  private stall(reason: string): void {
    this.reason = reason;
    this.ctx.stalled(reason);
  }

  private closeClients(): void {
    const [a, b] = [this.repl, this.sql];
    this.repl = this.sql = undefined;
    void a?.end().catch(() => undefined);
    void b?.end().catch(() => undefined);
  }

  private async run(): Promise<void> {
    let backoff = BACKOFF_MIN_MS;
    while (this.running && this.ctx.alive() && !this.fatal) {
      const startedAt = Date.now();
      try {
        await this.session();
      } catch (err) {
        if (!this.running || !this.ctx.alive()) break;
        if (err instanceof FatalStall) {
          // What was committed upstream before it is written first: the status then names where it stopped.
          this.fatal = err.message;
          this.current = undefined;
          await this.flushing.catch(() => undefined);
          this.stall(err.message);
        } else {
          this.stall(`upstream ${this.spec.connection.host}:${this.spec.connection.port}: ${describeError(err)}; retrying in ${backoff} ms`);
        }
      }
      this.closeClients();
      this.current = undefined;
      await this.flushing.catch(() => undefined);
      if (this.fatal || !this.running) break;
      if (Date.now() - startedAt > BACKOFF_MAX_MS) backoff = BACKOFF_MIN_MS;
      await sleep(backoff * (0.8 + Math.random() * 0.4));
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    }
  }

  /** One connection's life: snapshot if none is stored, then stream until an error ends it. */
  private async session(): Promise<void> {
    this.counters.connects++;
    const sql = (this.sql = pgClient(this.spec.connection));
    const repl = (this.repl = pgClient(this.spec.connection, true));
    // Errors also reach the pending query (or the stream's listeners); an unobserved 'error' event would end the process.
    sql.on('error', () => undefined);
    repl.on('error', () => undefined);
    await sql.connect();
    await repl.connect();
    await this.checkPublication(sql);
    if (this.ctx.shard.position === 0) await this.snapshot(sql, repl);
    else {
      const slot = await sql.query('SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1', [this.spec.slot]);
      if (slot.rows.length === 0) throw new FatalStall(`replication slot "${this.spec.slot}" no longer exists upstream: changes after LSN ${formatLsn(this.ctx.shard.position)} are lost to this source; drop and recreate it`);
      const flushed = slot.rows[0].confirmed_flush_lsn as string | null;
      if (flushed) this.confirmed = parseLsn(flushed);
    }
    await this.stream(repl);
  }

  private async checkPublication(sql: pg.Client): Promise<void> {
    const r = await sql.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [this.spec.publication]);
    if (r.rows.length === 0) throw new Error(`publication "${this.spec.publication}" does not exist upstream`);
  }

  /**
   * Creates the slot with an exported snapshot and commits every table's rows at one timestamp.
   * The rows are read through a cursor, SNAPSHOT_PART_ROWS at a time, each chunk staged in the
   * shard at that timestamp as it comes (Shard.stage), and one commit lists every part with the
   * position (Shard.ingestStaged): memory holds one chunk, not the snapshot. A failure before the
   * commit leaves only staged parts, which expire (and the slot is made again).
   */
  private async snapshot(sql: pg.Client, repl: pg.Client): Promise<void> {
    // A slot left by an incarnation that died before committing its snapshot: nothing relies on it.
    await sql.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [this.spec.slot]);
    const created = await repl.query(`CREATE_REPLICATION_SLOT ${quoteIdent(this.spec.slot)} LOGICAL pgoutput EXPORT_SNAPSHOT`);
    const { consistent_point, snapshot_name } = created.rows[0] as { consistent_point: string; snapshot_name: string };
    const consistent = parseLsn(consistent_point);
    const shard = this.ctx.shard;
    const ts = Math.max(this.ctx.clock.now(), shard.upper);
    const stageId = `snapshot-${randomUUID()}`;
    let parts = 0;
    let rows = 0;
    await sql.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      await sql.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshot_name)}`);
      for (let i = 0; i < this.spec.tables.length; i++) {
        const t = this.spec.tables[i]!;
        await this.checkColumns(sql, i);
        await sql.query(`DECLARE dfn_snapshot NO SCROLL CURSOR FOR SELECT ${t.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
        for (;;) {
          const r = await sql.query({ text: `FETCH ${SNAPSHOT_PART_ROWS} FROM dfn_snapshot`, rowMode: 'array' });
          const chunk = r.rows as Array<Array<string | null>>;
          if (chunk.length === 0) break;
          const updates = chunk.map((values): Update => [this.rowOf(i, values), ts, 1]);
          await shard.stage({ writer: SNAPSHOT_WRITER, stageId, part: parts++, lower: ts, upper: ts + 1, updates });
          rows += chunk.length;
        }
        await sql.query('CLOSE dfn_snapshot');
      }
      await sql.query('COMMIT');
    } catch (err) {
      await sql.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    this.counters.snapshotRows = rows;
    this.counters.snapshotParts = parts;
    if (shard.position !== 0) throw new Error('snapshot: a position was stored meanwhile');
    const extras = { position: consistent - 1 };
    if (parts === 0) await shard.ingest(ts, () => ({ updates: [], extras }));
    else await shard.ingestStaged(ts, SNAPSHOT_WRITER, stageId, parts, extras);
  }

  /** The upstream table still has the columns (names, types) the source was created with. */
  private async checkColumns(sql: pg.Client, i: number): Promise<void> {
    const t = this.spec.tables[i]!;
    const r = await sql.query(
      `SELECT a.attname, a.atttypid::int AS oid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [t.schema, t.name],
    );
    const now = (r.rows as Array<{ attname: string; oid: string }>).map((c) => ({ name: c.attname, typeOid: Number(c.oid) }));
    if (now.length === 0) throw new FatalStall(`upstream table ${t.schema}.${t.name} no longer exists`);
    if (!sameColumns(now, t.columns)) throw new FatalStall(schemaChanged(t, now));
  }

  private async stream(repl: pg.Client): Promise<void> {
    const start = formatLsn(this.ctx.shard.position + 1);
    // After the first failure nothing more of this stream is looked at (the connection closes).
    let broken = false;
    const ended = new Promise<void>((resolve, reject) => {
      const fail = (err: unknown) => {
        broken = true;
        reject(err);
      };
      repl.on('error', fail);
      repl.on('end', () => fail(new Error('the replication connection closed')));
      repl.connection.on('copyData', (msg: { chunk: Buffer }) => {
        if (broken || !this.running) return;
        try {
          this.onCopyData(repl, msg.chunk);
        } catch (err) {
          fail(err);
        }
      });
      repl
        .query(`START_REPLICATION SLOT ${quoteIdent(this.spec.slot)} LOGICAL ${start} (proto_version '1', publication_names ${quoteLiteral(this.spec.publication)})`)
        .then(() => fail(new Error('the replication stream ended')), fail);
    });
    await ended;
  }

  private onCopyData(repl: pg.Client, chunk: Buffer): void {
    if (this.reason && !this.fatal) {
      this.reason = undefined;
      this.ctx.stalled(null);
    }
    const m = decodeCopyData(chunk);
    if (m.tag === 'keepalive') {
      this.counters.keepalives++;
      // Idle and everything received is durable: the slot may keep no WAL before walEnd.
      if (!this.current && this.undurable === 0 && m.walEnd > this.confirmed) this.confirm(repl, m.walEnd);
      else if (m.replyRequested) this.confirm(repl, this.confirmed);
      return;
    }
    this.onMessage(decodePgOutput(m.payload));
  }

  private onMessage(m: PgOutputMessage): void {
    switch (m.tag) {
      case 'begin':
        this.current = { commitLsn: m.finalLsn, endLsn: 0, rows: [] };
        return;
      case 'commit': {
        const txn = this.current;
        this.current = undefined;
        if (!txn) throw new Error(`pgoutput: Commit at ${formatLsn(m.commitLsn)} without Begin`);
        txn.commitLsn = m.commitLsn;
        txn.endLsn = m.endLsn;
        this.counters.transactions++;
        this.undurable++;
        this.pending.push(txn);
        this.scheduleFlush();
        return;
      }
      case 'relation': {
        const i = this.spec.tables.findIndex((t) => t.schema === m.schema && t.name === m.name);
        this.relations.set(m.oid, i);
        if (i < 0) return; // a table of the publication this source does not ingest
        const t = this.spec.tables[i]!;
        if (!sameColumns(m.columns, t.columns)) throw new FatalStall(schemaChanged(t, m.columns));
        return;
      }
      case 'insert':
        return this.change(m.oid, (i) => [[this.rowOf(i, m.row), 1]]);
      case 'update':
        return this.change(m.oid, (i, t) => {
          if (m.old?.kind !== 'old') throw new FatalStall(needsFullIdentity(t, 'UPDATE'));
          const old = m.old.row;
          const row = m.row.map((v, k) => (v !== null && typeof v === 'object' ? old[k]! : v));
          return [
            [this.rowOf(i, old), -1],
            [this.rowOf(i, row), 1],
          ];
        });
      case 'delete':
        return this.change(m.oid, (i, t) => {
          if (m.old.kind !== 'old') throw new FatalStall(needsFullIdentity(t, 'DELETE'));
          return [[this.rowOf(i, m.old.row), -1]];
        });
      case 'truncate': {
        const ours = m.oids.map((oid) => this.relations.get(oid) ?? -1).filter((i) => i >= 0);
        if (ours.length > 0) {
          const names = ours.map((i) => `${this.spec.tables[i]!.schema}.${this.spec.tables[i]!.name}`).join(', ');
          throw new FatalStall(`upstream table ${names} was truncated (TRUNCATE is not replicated): the source stopped before it at LSN ${formatLsn(this.ctx.shard.position)}; drop and recreate the source`);
        }
        return;
      }
      case 'origin':
      case 'type':
      case 'message':
        return;
    }
  }

  private change(oid: number, rows: (i: number, t: PostgresSource['tables'][number]) => Array<[Row, number]>): void {
    const i = this.relations.get(oid);
    if (i === undefined) throw new Error(`pgoutput: a change for relation ${oid} before its Relation message`);
    if (i < 0) return;
    if (!this.current) throw new Error('pgoutput: a change outside a transaction');
    this.counters.changes++;
    for (const r of rows(i, this.spec.tables[i]!)) this.current.rows.push(r);
  }

  /** The collection row of table i's upstream values (text forms). */
  private rowOf(i: number, values: TupleValue[]): Row {
    const t = this.spec.tables[i]!;
    const row: Row = new Array(this.spec.schema.length).fill(null);
    row[0] = i;
    const at = this.offsets[i]!;
    for (let k = 0; k < t.columns.length; k++) {
      const v = values[k];
      const col = t.columns[k]!;
      if (v === null || v === undefined) continue;
      if (typeof v === 'object') throw new FatalStall(`upstream table ${t.schema}.${t.name}: column "${col.name}" came as an unchanged TOAST value without its old value (REPLICA IDENTITY FULL is required)`);
      try {
        row[at + k] = pgTextValue(col.typeOid, v, col.type); // an enum's oid is its own: its type says text
      } catch (err) {
        throw new FatalStall(`upstream table ${t.schema}.${t.name}, column "${col.name}": ${(err as Error).message}`);
      }
    }
    return row;
  }

  private scheduleFlush(): void {
    this.flushing = this.flushing.then(() => this.flush()).catch((err) => {
      if (this.running && this.ctx.alive()) this.ctx.fail(err);
    });
  }

  /** Commits every transaction waiting (or only advances upper), then confirms the slot's flush LSN. */
  private async flush(): Promise<void> {
    const txns = this.pending;
    this.pending = [];
    try {
      // Stopping, or no snapshot yet (nothing may be sealed): dropped, to be streamed again.
      if (!this.running || !this.ctx.alive() || this.ctx.shard.position === 0) return;
      await this.ingest(txns);
    } finally {
      this.undurable -= txns.length;
    }
    if (!this.running || !this.ctx.alive() || this.ctx.shard.position === 0) return;
    const last = txns.at(-1);
    if (last && this.repl) this.confirm(this.repl, last.endLsn);
  }

  private async ingest(txns: Txn[]): Promise<void> {
    const shard = this.ctx.shard;
    await shard.ingest(this.ctx.clock.now(), (ts) => {
      const updates: Update[] = [];
      let rereads = 0;
      let position = shard.position;
      for (const txn of txns) {
        if (txn.commitLsn <= position) {
          rereads++;
          continue;
        }
        position = txn.commitLsn;
        for (const [row, diff] of txn.rows) updates.push([row, ts, diff]);
      }
      return { updates, extras: { position, upstreamRereads: rereads } };
    });
  }

  private confirm(repl: pg.Client, lsn: number): void {
    if (lsn < this.confirmed) lsn = this.confirmed;
    this.confirmed = lsn;
    try {
      (repl.connection as unknown as { sendCopyFromChunk(b: Buffer): void }).sendCopyFromChunk(standbyStatusUpdate(lsn, Date.now()));
    } catch {
      // the connection is going away: the next session confirms again
    }
  }
}

function sameColumns(a: Array<{ name: string; typeOid: number }>, b: Array<{ name: string; typeOid: number }>): boolean {
  return a.length === b.length && a.every((c, k) => c.name === b[k]!.name && c.typeOid === b[k]!.typeOid);
}

function schemaChanged(t: PostgresSource['tables'][number], now: Array<{ name: string; typeOid: number }>): string {
  const show = (cs: Array<{ name: string; typeOid: number }>) => cs.map((c) => `${c.name}:${c.typeOid}`).join(', ');
  return `upstream table ${t.schema}.${t.name} changed its schema (columns were [${show(t.columns)}], now [${show(now)}]): the source stopped; drop and recreate it`;
}

function needsFullIdentity(t: PostgresSource['tables'][number], what: string): string {
  return `upstream table ${t.schema}.${t.name}: an ${what} came without the old row; run ALTER TABLE ${t.schema}.${t.name} REPLICA IDENTITY FULL upstream, then drop and recreate the source`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
