/**
 * COPY over pgwire: the statement (`COPY t FROM STDIN`, `COPY t TO STDOUT`,
 * `COPY (SELECT ... | SUBSCRIBE ...) TO STDOUT`, each `[WITH] [(FORMAT text | csv, HEADER)]`),
 * the CopyInResponse / CopyOutResponse / CopyData / CopyDone messages, and the receiving side of
 * COPY FROM STDIN (CopyIn): CopyData split into lines (text) or records (CSV) and typed as the
 * table's columns as they come; the rows are written in one commit at CopyDone, nothing at all
 * on a bad value (22P02 ...) or CopyFail (57014). One commit is one STORAGE append, sent in
 * staged parts when larger than a message (StageBatch): a COPY whose rows would encode to more
 * than MAX_COPY_BYTES is refused (54000, nothing written), which bounds what a connection holds
 * in memory while it receives (its rows are held until CopyDone).
 */
import { StringDecoder } from 'node:string_decoder';
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import type { Column, Row } from '../../../protocol/types.js';
import { splitCsv, splitTextLine, typedRow, type CopyFormat } from './copy-text.js';

export type CopyStatement =
  | { dir: 'from'; table: string; format: CopyFormat; header: boolean }
  | { dir: 'to'; table?: string; query?: string; format: CopyFormat; header: boolean };

const NAME = String.raw`((?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)(?:\.(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*))?)`;
const OPTIONS = String.raw`(?:\s+WITH)?\s*(?:\(([^)]*)\)|((?:\s*(?:CSV|HEADER|BINARY))*))?\s*;?\s*$`;
const COPY_FROM = new RegExp(String.raw`^\s*COPY\s+${NAME}\s+FROM\s+STDIN${OPTIONS}`, 'i');
const COPY_TABLE_TO = new RegExp(String.raw`^\s*COPY\s+${NAME}\s+TO\s+STDOUT${OPTIONS}`, 'i');
const COPY_QUERY_TO = new RegExp(String.raw`^\s*COPY\s*\(([\s\S]*)\)\s*TO\s+STDOUT${OPTIONS}`, 'i');

/** True when `text` is a COPY statement. */
export function isCopy(text: string): boolean {
  return /^\s*COPY\b/i.test(text);
}

export function parseCopy(text: string): CopyStatement {
  let m = COPY_FROM.exec(text);
  if (m) return { dir: 'from', table: unquote(m[1]!), ...options(m[2], m[3]) };
  m = COPY_TABLE_TO.exec(text);
  if (m) return { dir: 'to', table: unquote(m[1]!), ...options(m[2], m[3]) };
  m = COPY_QUERY_TO.exec(text);
  if (m) return { dir: 'to', query: m[1]!.trim(), ...options(m[2], m[3]) };
  if (/\b(FROM|TO)\s+'/i.test(text) || /\bPROGRAM\b/i.test(text)) {
    throw new SqlError(SqlState.FeatureNotSupported, 'COPY to or from a file or program is not supported', { hint: 'use COPY ... FROM STDIN / TO STDOUT (psql: \\copy)' });
  }
  if (/^\s*COPY\s+\S+\s*\(/i.test(text)) throw new SqlError(SqlState.FeatureNotSupported, 'COPY with a column list is not supported: COPY every column of the table');
  throw new SqlError(SqlState.SyntaxError, 'expected COPY table FROM STDIN, COPY table TO STDOUT or COPY (query) TO STDOUT [WITH (FORMAT text | csv)]');
}

function unquote(name: string): string {
  const last = name.split('.').pop()!;
  return last.startsWith('"') ? last.slice(1, -1).replace(/""/g, '"') : last.toLowerCase();
}

function options(list: string | undefined, legacy: string | undefined): { format: CopyFormat; header: boolean } {
  let format: CopyFormat = 'text';
  let header = false;
  const words = legacy?.trim() ? legacy.trim().split(/\s+/).map((w) => [w, '']) : (list ?? '').split(',').filter((o) => o.trim()).map((o) => o.trim().split(/\s+/, 2) as [string, string?]);
  for (const [k, v] of words) {
    const key = k!.toLowerCase();
    const value = (v ?? '').replace(/^'|'$/g, '').toLowerCase();
    if (key === 'format' && (value === 'text' || value === 'csv')) format = value;
    else if (key === 'csv') format = 'csv';
    else if (key === 'header') header = value === '' || value === 'true' || value === 'on' || value === '1';
    else if (key === 'format' || key === 'binary') throw new SqlError(SqlState.FeatureNotSupported, `COPY format ${value || 'binary'} is not supported`, { hint: 'use FORMAT text or FORMAT csv' });
    else throw new SqlError(SqlState.FeatureNotSupported, `COPY option ${key} is not supported`, { hint: 'supported: FORMAT text | csv, HEADER' });
  }
  return { format, header };
}

function copyResponse(type: 'G' | 'H', columns: number): Buffer {
  const out = Buffer.allocUnsafe(5 + 1 + 2 + 2 * columns);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(out.length - 1, 1);
  out.writeInt8(0, 5);
  out.writeInt16BE(columns, 6);
  for (let i = 0; i < columns; i++) out.writeInt16BE(0, 8 + 2 * i);
  return out;
}

export const copyInResponse = (columns: number): Buffer => copyResponse('G', columns);
export const copyOutResponse = (columns: number): Buffer => copyResponse('H', columns);
export const copyDone = (): Buffer => Buffer.from([0x63, 0, 0, 0, 4]);

export function copyData(text: string): Buffer {
  const len = Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafe(5 + len);
  out.write('d', 0, 'latin1');
  out.writeInt32BE(4 + len, 1);
  out.write(text, 5, 'utf8');
  return out;
}

/**
 * The largest COPY FROM STDIN, in encoded update bytes: its rows are held in memory until they
 * are committed, as one atomic append (staged in parts of 1 MiB: group-commit.ts).
 */
export const MAX_COPY_BYTES = 256 * 1024 * 1024;

/** The msgpack size of an update `[row, ts, diff]` carrying `row` (ts: 9 bytes, diff: 1). */
function updateBytes(row: Row): number {
  let n = 1 + (row.length < 16 ? 1 : 3) + 9 + 1;
  for (const v of row) {
    if (v === null || typeof v === 'boolean') n += 1;
    else if (typeof v === 'number') n += Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 5 : 9;
    else {
      const len = Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v), 'utf8');
      n += len + (len < 32 ? 1 : len < 256 ? 2 : len < 65536 ? 3 : 5);
    }
  }
  return n;
}

/** The receiving side of one COPY FROM STDIN. */
export class CopyIn {
  readonly rows: Row[] = [];
  private rest = '';
  private line = 0;
  private ended = false;
  private error: unknown;
  private skipHeader: boolean;
  private bytes = 0;
  /** A character split across two CopyData messages is decoded whole. */
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    readonly table: string,
    readonly collection: string,
    private readonly columns: Column[],
    private readonly format: CopyFormat,
    header: boolean,
  ) {
    this.skipHeader = header;
  }

  /** One CopyData's bytes (a row may continue in the next). After an error, data is ignored. */
  data(chunk: Buffer): void {
    if (this.error !== undefined || this.ended) return;
    try {
      this.parse(this.rest + this.decoder.write(chunk), false);
    } catch (err) {
      this.error = err;
    }
  }

  /** CopyDone: the rows, or the first error. */
  done(): Row[] {
    if (this.error === undefined && !this.ended) {
      try {
        this.parse(this.rest + this.decoder.end(), true);
      } catch (err) {
        this.error = err;
      }
    }
    if (this.error !== undefined) throw this.error;
    return this.rows;
  }

  private parse(text: string, final: boolean): void {
    if (this.format === 'csv') {
      const { records, rest } = splitCsv(text, final);
      this.rest = rest;
      for (const r of records) {
        this.line++;
        if (this.skipHeader) {
          this.skipHeader = false;
          continue;
        }
        if (r.length === 1 && r[0] === '\\.') {
          this.ended = true;
          return;
        }
        this.add(typedRow(r, this.columns, this.line));
      }
      return;
    }
    const lines = text.split('\n');
    this.rest = lines.pop()!;
    for (const l of lines) {
      this.textLine(l.endsWith('\r') ? l.slice(0, -1) : l);
      if (this.ended) return;
    }
    if (final && this.rest !== '') {
      this.textLine(this.rest);
      this.rest = '';
    }
  }

  private textLine(line: string): void {
    this.line++;
    if (this.skipHeader) {
      this.skipHeader = false;
      return;
    }
    if (line === '\\.') {
      this.ended = true;
      return;
    }
    this.add(typedRow(splitTextLine(line), this.columns, this.line));
  }

  private add(row: Row): void {
    this.bytes += updateBytes(row);
    if (this.bytes > MAX_COPY_BYTES) {
      throw new SqlError(SqlState.ProgramLimitExceeded, `COPY FROM STDIN is over ${MAX_COPY_BYTES} bytes at line ${this.line}: its rows are held in memory until they are written in one commit`, {
        hint: 'split the data into several COPY statements (nothing of this one was written)',
      });
    }
    this.rows.push(row);
  }
}
