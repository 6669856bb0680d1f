/**
 * Cursors of a transaction block: `DECLARE c CURSOR FOR SELECT ... | SUBSCRIBE ...`,
 * `FETCH [FORWARD] [n | ALL] [FROM | IN] c [WITH (timeout = '1s')]`, `CLOSE c | ALL`. A SELECT
 * cursor holds its answer (read at the block's timestamp); a SUBSCRIBE cursor holds a
 * subscription (subscription.ts): FETCH returns the rows waiting, up to n, and when none wait it
 * waits for the first up to the timeout (no timeout: until rows come or the statement is
 * cancelled), as Materialize does. Errors as Postgres: 25P01 outside a block, 42P03 for a name
 * declared twice, 34000 for an unknown cursor.
 */
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import type { StatementResult } from '../../../protocol/control/response.js';
import type { Row } from '../../../protocol/types.js';
import type { ColumnOf, PgSubscription } from './subscription.js';

type Cursor = { columns: ColumnOf[]; rows: Row[]; pos: number } | { columns: ColumnOf[]; sub: PgSubscription };

export type CursorStatement =
  | { op: 'declare'; name: string; query: string; offset: number }
  | { op: 'fetch'; name: string; count: number; timeoutMs: number | undefined }
  | { op: 'close'; name: string | undefined };

const IDENT = String.raw`("(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
const DECLARE = new RegExp(String.raw`^\s*DECLARE\s+${IDENT}\s+(?:BINARY\s+|INSENSITIVE\s+|ASENSITIVE\s+|NO\s+SCROLL\s+)*CURSOR\s+(?:WITHOUT\s+HOLD\s+)?FOR\s+`, 'i');
const FETCH = new RegExp(String.raw`^\s*FETCH\s+(?:(NEXT)\s+|(FORWARD\s+)?(ALL|\d+)\s+|FORWARD\s+)?(?:(?:FROM|IN)\s+)?${IDENT}\s*(?:WITH\s*\(\s*timeout\s*=?\s*'([^']*)'\s*\))?\s*;?\s*$`, 'i');
const CLOSE = new RegExp(String.raw`^\s*CLOSE\s+(?:(ALL)|${IDENT})\s*;?\s*$`, 'i');

function identName(raw: string): string {
  return raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.toLowerCase();
}

/** Parses a cursor statement (42601 on one this does not understand). */
export function parseCursorStatement(text: string, offset: number): CursorStatement {
  const d = DECLARE.exec(text);
  if (d) return { op: 'declare', name: identName(d[1]!), query: text.slice(d[0].length).replace(/;\s*$/, ''), offset: offset + d[0].length };
  const f = FETCH.exec(text);
  if (f) {
    const n = f[3];
    const count = f[1] ? 1 : n === undefined ? 1 : n.toUpperCase() === 'ALL' ? Infinity : Number(n);
    return { op: 'fetch', name: identName(f[4]!), count, timeoutMs: f[5] === undefined ? undefined : parseTimeout(f[5]) };
  }
  const c = CLOSE.exec(text);
  if (c) return { op: 'close', name: c[1] ? undefined : identName(c[2]!) };
  throw new SqlError(SqlState.SyntaxError, 'expected DECLARE name CURSOR FOR query, FETCH [n | ALL] [FROM] name [WITH (timeout = ...)] or CLOSE name', { position: offset + 1 });
}

/** `'1s'`, `'250ms'`, `'2 minutes'`, `'0'` (seconds) as milliseconds. */
export function parseTimeout(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)?\s*$/i.exec(s);
  if (!m) throw new SqlError(SqlState.InvalidParameterValue, `invalid timeout "${s}"`, { hint: "for example WITH (timeout = '1s')" });
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = unit.startsWith('ms') || unit.startsWith('milli') ? 1 : unit.startsWith('m') ? 60_000 : 1000;
  return Number(m[1]) * factor;
}

export class Cursors {
  private readonly open = new Map<string, Cursor>();

  declare(name: string, cursor: Cursor): void {
    if (this.open.has(name)) {
      if ('sub' in cursor) cursor.sub.close();
      throw new SqlError('42P03', `cursor "${name}" already exists`);
    }
    this.open.set(name, cursor);
  }

  has(name: string): boolean {
    return this.open.has(name);
  }

  async fetch(name: string, count: number, timeoutMs: number | undefined, abort: Promise<unknown>): Promise<StatementResult> {
    const c = this.open.get(name);
    if (!c) throw new SqlError('34000', `cursor "${name}" does not exist`);
    let rows: Row[];
    if ('sub' in c) {
      if (c.sub.available === 0) await c.sub.wait(timeoutMs, abort);
      const ended = c.sub.endedReason;
      if (ended && ended !== 'dropped') throw new SqlError(SqlState.InternalError, `the subscription ${ended}`);
      rows = c.sub.take(count === Infinity ? c.sub.available : count);
    } else {
      const end = count === Infinity ? c.rows.length : Math.min(c.rows.length, c.pos + count);
      rows = c.rows.slice(c.pos, end);
      c.pos = end;
    }
    return { tag: `FETCH ${rows.length}`, columns: c.columns.map((col) => ({ name: col.name, type: col.type as never })), rows };
  }

  close(name: string | undefined): StatementResult {
    if (name === undefined) {
      this.closeAll();
      return { tag: 'CLOSE CURSOR' };
    }
    const c = this.open.get(name);
    if (!c) throw new SqlError('34000', `cursor "${name}" does not exist`);
    if ('sub' in c) c.sub.close();
    this.open.delete(name);
    return { tag: 'CLOSE CURSOR' };
  }

  closeAll(): void {
    for (const c of this.open.values()) if ('sub' in c) c.sub.close();
    this.open.clear();
  }
}
