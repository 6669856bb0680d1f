/**
 * A pgwire connection's transaction block, as Materialize runs one: BEGIN / START TRANSACTION,
 * COMMIT / END, ROLLBACK / ABORT, and the status ReadyForQuery reports (`I` idle, `T` in a block,
 * `E` failed: every statement but COMMIT / ROLLBACK answers 25P02, and COMMIT answers ROLLBACK).
 * A block is either read-only (every SELECT at the timestamp its first read chose, strict
 * serializable as that read was) or write-only (INSERTs evaluated and checked at once, buffered,
 * and committed together at COMMIT, in one commit); mixing them is 25000. A DDL statement may be
 * the only statement of a block (it commits when it runs); UPDATE / DELETE are refused in a block
 * (25000), as Materialize does. Cursors (cursors.ts) live until the block ends.
 */
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import type { StatementResult } from '../../../protocol/control/response.js';
import type { Row } from '../../../protocol/types.js';
import type { Settings } from '../deps.js';
import type { StatementOptions } from '../executor.js';
import type { SessionBackend } from '../session-backend.js';
import type { TransactionStatus } from './backend.js';
import { Cursors } from './cursors.js';

const InFailedTransaction = '25P02';
const InvalidTransactionState = SqlState.InvalidTransactionState;

export type StatementClass = 'begin' | 'commit' | 'rollback' | 'read' | 'insert' | 'readwrite' | 'ddl' | 'cursor' | 'other';

/** What a statement is, for the transaction rules (by its first keywords). */
export function classify(text: string): StatementClass {
  const m = /^\s*(?:\(\s*)*([A-Za-z]+)(?:\s+([A-Za-z]+))?/.exec(text.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*/, ''));
  const w = (m?.[1] ?? '').toUpperCase();
  const w2 = (m?.[2] ?? '').toUpperCase();
  switch (w) {
    case 'BEGIN':
      return 'begin';
    case 'START':
      return w2 === 'TRANSACTION' ? 'begin' : 'other';
    case 'COMMIT':
    case 'END':
      return 'commit';
    case 'ROLLBACK':
    case 'ABORT':
      return 'rollback';
    case 'SELECT':
    case 'WITH':
    case 'VALUES':
    case 'TABLE':
    case 'SUBSCRIBE':
      return 'read';
    case 'INSERT':
      return 'insert';
    case 'UPDATE':
    case 'DELETE':
      return 'readwrite';
    case 'CREATE':
    case 'DROP':
    case 'ALTER':
      return 'ddl';
    case 'DECLARE':
    case 'FETCH':
    case 'CLOSE':
    case 'MOVE':
      return 'cursor';
    default:
      return 'other';
  }
}

/** Runs one statement outside the block logic (the connection's compatibility layer, then the executor). */
export type RunStatement = (text: string, offset: number, options: StatementOptions) => Promise<StatementResult>;

export class Transaction {
  private state: 'idle' | 'open' | 'failed' = 'idle';
  private kind: 'read' | 'write' | 'ddl' | undefined;
  private asOf: number | undefined;
  private writes = new Map<string, Array<[Row, number]>>();
  readonly cursors = new Cursors();

  constructor(
    private readonly backend: () => SessionBackend,
    private readonly settings: Settings,
  ) {}

  /** ReadyForQuery's status byte. */
  get status(): TransactionStatus {
    return this.state === 'idle' ? 'I' : this.state === 'open' ? 'T' : 'E';
  }

  /** In an explicit block (open or failed): portals and cursors live until it ends. */
  get inBlock(): boolean {
    return this.state !== 'idle';
  }

  /** The timestamp of the block's reads, once its first read chose it. */
  get readTimestamp(): number | undefined {
    return this.asOf;
  }

  /** After an error: an open block fails (25P02 until it ends). */
  failed(): void {
    if (this.state === 'open') this.state = 'failed';
  }

  /** Refuses a statement in a failed block (25P02), except the ones that end it. */
  checkNotFailed(cls: StatementClass): void {
    if (this.state === 'failed' && cls !== 'commit' && cls !== 'rollback') {
      throw new SqlError(InFailedTransaction, 'current transaction is aborted, commands ignored until end of transaction block');
    }
  }

  /** Marks a read (SELECT, SUBSCRIBE, a cursor) in an open block: 25000 in a write block. */
  beginRead(): void {
    if (this.state !== 'open') return;
    this.checkKind('read');
  }

  /** Marks a write (INSERT, COPY FROM) in an open block: 25000 in a read block. */
  beginWrite(): void {
    if (this.state !== 'open') return;
    this.checkKind('write');
  }

  /** Buffers rows (inserts) for the block's COMMIT. */
  bufferRows(collection: string, rows: Row[]): void {
    this.beginWrite();
    const buffered = this.writes.get(collection) ?? [];
    for (const r of rows) buffered.push([r, 1]);
    this.writes.set(collection, buffered);
  }

  /** Records the first read's timestamp: every later read of the block reads there. */
  readAt(ts: number | undefined): void {
    if (this.state === 'open' && this.asOf === undefined && ts !== undefined) this.asOf = ts;
  }

  async run(text: string, offset: number, cls: StatementClass, exec: RunStatement): Promise<StatementResult> {
    this.checkNotFailed(cls);
    switch (cls) {
      case 'begin':
        if (this.state !== 'idle') return { tag: 'BEGIN', notices: ['there is already a transaction in progress'] };
        this.state = 'open';
        return { tag: 'BEGIN' };
      case 'commit':
        return this.commit();
      case 'rollback': {
        const was = this.state;
        this.reset();
        return was === 'idle' ? { tag: 'ROLLBACK', notices: ['there is no transaction in progress'] } : { tag: 'ROLLBACK' };
      }
      default:
        break;
    }
    if (this.state !== 'open') return exec(text, offset, {});
    switch (cls) {
      case 'read': {
        this.checkKind('read');
        const result = await exec(text, offset, this.asOf !== undefined ? { asOf: this.asOf } : {});
        this.readAt(result.timestamp);
        return result;
      }
      case 'insert': {
        this.checkKind('write');
        const w = await this.backend().planInsert({ text, offset }, this.settings);
        const rows = this.writes.get(w.collection) ?? [];
        for (const r of w.rows) rows.push(r);
        this.writes.set(w.collection, rows);
        return { tag: w.tag };
      }
      case 'readwrite':
        throw new SqlError(InvalidTransactionState, `${text.trim().split(/\s+/)[0]!.toUpperCase()} cannot run inside a transaction block`, { hint: 'run it on its own, outside BEGIN ... COMMIT' });
      case 'ddl':
        if (this.kind !== undefined) throw new SqlError(InvalidTransactionState, 'DDL must be the only statement of a transaction block', { hint: 'COMMIT or ROLLBACK first' });
        this.kind = 'ddl';
        return exec(text, offset, {});
      default:
        return exec(text, offset, {});
    }
  }

  private checkKind(kind: 'read' | 'write'): void {
    if (this.kind === 'ddl') throw new SqlError(InvalidTransactionState, 'DDL must be the only statement of a transaction block', { hint: 'COMMIT or ROLLBACK first' });
    if (this.kind !== undefined && this.kind !== kind) {
      throw new SqlError(
        InvalidTransactionState,
        kind === 'read' ? 'transactions which modify objects are restricted to just modifying objects' : 'transactions which read objects are restricted to just reading objects',
        { hint: 'a transaction block either reads or writes: COMMIT and start another' },
      );
    }
    this.kind = kind;
  }

  private async commit(): Promise<StatementResult> {
    if (this.state === 'idle') return { tag: 'COMMIT', notices: ['there is no transaction in progress'] };
    if (this.state === 'failed') {
      this.reset();
      return { tag: 'ROLLBACK' };
    }
    const writes = new Map([...this.writes].filter(([, rows]) => rows.length > 0));
    this.reset();
    if (writes.size === 0) return { tag: 'COMMIT' };
    const ts = await this.backend().commitWrites(writes, 'a table this transaction wrote was dropped: nothing was written');
    return { tag: 'COMMIT', timestamp: ts };
  }

  /** Ends the block (COMMIT, ROLLBACK, the connection closing): cursors close, writes are dropped. */
  reset(): void {
    this.state = 'idle';
    this.kind = undefined;
    this.asOf = undefined;
    this.writes = new Map();
    this.cursors.closeAll();
  }
}
