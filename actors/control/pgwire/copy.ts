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
import type { Column } from '../../../protocol/types.js';
import { splitCsv, splitTextLine, typedRow, type CopyFormat } from './copy-text.js';
import { UpdateEncoder } from '../update-encoder.js';
import { INT_RANGE } from '../../../protocol/int-range.js';

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

const TAB = 9;
const LF = 10;
const CR = 13;
const BACKSLASH = 92;
const DOT = 46;
/** The integer types the fast path reads in place (bigint goes the checked way: its range is definite's, past 2^53). */
const FAST_INT: Partial<Record<string, readonly [number, number]>> = { smallint: INT_RANGE.smallint, int: INT_RANGE.int };

/**
 * The receiving side of one COPY FROM STDIN. Rows are parsed from the bytes and encoded straight
 * into the msgpack updates of the commit (update-encoder.ts): the text format line by line on the
 * bytes (int and text fields without a backslash copied or read in place, any other field typed
 * by copy-text.ts), CSV through its record splitter. No row objects are kept.
 */
export class CopyIn {
  readonly encoder = new UpdateEncoder();
  private rest = '';
  /** The text format: the bytes of a line not ended yet (pieces, joined once it ends). */
  private restBytes: Buffer[] = [];
  private line = 0;
  private ended = false;
  private error: unknown;
  private skipHeader: boolean;
  /** The text format: the next tab at or after the current line in `tabIn` (its length: none). */
  private tabIn: Buffer | undefined;
  private tabAt = 0;
  /** The text format: where each field of the current line starts and ends (reused). */
  private readonly bounds: number[] = [];
  /** Per column: read in place as ASCII text, as an integer within its type's range, or neither. */
  private readonly fast: Array<'int' | 'text' | undefined>;
  private readonly range: Array<readonly [number, number]>;
  /** CSV: a character split across two CopyData messages is decoded whole. */
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    readonly table: string,
    readonly collection: string,
    private readonly columns: Column[],
    private readonly format: CopyFormat,
    header: boolean,
  ) {
    this.skipHeader = header;
    this.fast = columns.map((c) => (c.type === 'text' && c.length === undefined ? 'text' : FAST_INT[c.type] !== undefined ? 'int' : undefined));
    this.range = columns.map((c) => FAST_INT[c.type] ?? [0, 0]);
  }

  /** One CopyData's bytes (a row may continue in the next). After an error, data is ignored. */
  data(chunk: Buffer): void {
    if (this.error !== undefined || this.ended) return;
    try {
      if (this.format === 'csv') this.parseCsv(this.rest + this.decoder.write(chunk), false);
      else this.textChunk(chunk);
    } catch (err) {
      this.error = err;
    }
  }

  /** CopyDone: the number of rows (in `encoder`), or the first error. */
  done(): number {
    if (this.error === undefined && !this.ended) {
      try {
        if (this.format === 'csv') this.parseCsv(this.rest + this.decoder.end(), true);
        else if (this.restBytes.length > 0) {
          const last = Buffer.concat(this.restBytes);
          this.restBytes = [];
          // The last line, without a line end (a CR in it is data, as before: only LF ends a line).
          if (last.length > 0) this.textLine(last, 0, last.length, false, true);
        }
      } catch (err) {
        this.error = err;
      }
    }
    if (this.error !== undefined) throw this.error;
    return this.encoder.rows;
  }

  private parseCsv(text: string, final: boolean): void {
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
      this.encoder.row(typedRow(r, this.columns, this.line), 1);
      this.checkSize();
    }
  }

  /** The text format: the whole lines of `chunk` (after the unended line of the last chunk). */
  private textChunk(chunk: Buffer): void {
    let from = 0;
    if (this.restBytes.length > 0) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.restBytes.push(Buffer.from(chunk));
        return;
      }
      const line = Buffer.concat([...this.restBytes, chunk.subarray(0, nl)]);
      this.restBytes = [];
      this.textLine(line, 0, line.length, true, line.indexOf(BACKSLASH) >= 0);
      if (this.ended) return;
      from = nl + 1;
    }
    // One native search per chunk: without a backslash in it, no line needs the byte-by-byte scan.
    const escapes = chunk.indexOf(BACKSLASH, from) >= 0;
    for (;;) {
      const nl = chunk.indexOf(LF, from);
      if (nl < 0) break;
      this.textLine(chunk, from, nl, true, escapes);
      if (this.ended) return;
      from = nl + 1;
    }
    if (from < chunk.length) this.restBytes.push(Buffer.from(chunk.subarray(from)));
  }

  /** One line of the text format, `buf[start, end)` without its LF (`ended`: there was one; then a CR before it is dropped). */
  private textLine(buf: Buffer, start: number, end: number, ended: boolean, mayEscape: boolean): void {
    if (ended && end > start && buf[end - 1] === CR) end--;
    this.line++;
    if (this.skipHeader) {
      this.skipHeader = false;
      return;
    }
    if (end - start === 2 && buf[start] === BACKSLASH && buf[start + 1] === DOT) {
      this.ended = true;
      return;
    }
    // Field bounds first: a wrong number of fields is the line's error whatever its values.
    const bounds = this.bounds;
    bounds.length = 0;
    let escaped = false;
    let fieldStart = start;
    if (mayEscape) {
      for (let i = start; i < end; i++) {
        const b = buf[i]!;
        if (b === TAB) {
          bounds.push(fieldStart, i);
          fieldStart = i + 1;
        } else if (b === BACKSLASH) escaped = true;
      }
    } else {
      // No backslash: the tabs found natively. A tab past the line's end belongs to a later line
      // and is remembered, so lines without tabs do not each search the rest of the chunk.
      let t = this.tabIn === buf && this.tabAt >= start ? this.tabAt : buf.indexOf(TAB, start);
      if (t < 0) t = buf.length;
      while (t < end) {
        bounds.push(fieldStart, t);
        fieldStart = t + 1;
        t = buf.indexOf(TAB, fieldStart);
        if (t < 0) t = buf.length;
      }
      this.tabIn = buf;
      this.tabAt = t;
    }
    bounds.push(fieldStart, end);
    const width = this.columns.length;
    if (bounds.length / 2 !== width || escaped) {
      // The general path: fields as strings (escapes, \N), the same checks and messages.
      this.encoder.row(typedRow(splitTextLine(buf.toString('utf8', start, end)), this.columns, this.line), 1);
      this.checkSize();
      return;
    }
    const enc = this.encoder;
    enc.beginRow(width);
    for (let c = 0; c < width; c++) {
      const s = bounds[2 * c]!;
      const e = bounds[2 * c + 1]!;
      const kind = this.fast[c];
      if (kind === 'int') {
        const n = digits(buf, s, e);
        // Within the type's range: else copy-text.ts decides, with its error.
        if (n !== undefined && n >= this.range[c]![0] && n <= this.range[c]![1]) {
          enc.number(n);
          continue;
        }
      } else if (kind === 'text' && ascii(buf, s, e)) {
        enc.utf8(buf, s, e);
        continue;
      }
      enc.value(typedRow([buf.toString('utf8', s, e)], [this.columns[c]!], this.line)[0]!);
    }
    enc.endRow(1);
    this.checkSize();
  }

  private checkSize(): void {
    if (this.encoder.size > MAX_COPY_BYTES) {
      throw new SqlError(SqlState.ProgramLimitExceeded, `COPY FROM STDIN is over ${MAX_COPY_BYTES} bytes at line ${this.line}: its rows are held in memory until they are written in one commit`, {
        hint: 'split the data into several COPY statements (nothing of this one was written)',
      });
    }
  }
}

/** The value of the decimal digits (optional sign) of `buf[s, e)`, when short enough to be exact; else undefined. */
function digits(buf: Buffer, s: number, e: number): number | undefined {
  let i = s;
  let neg = false;
  if (buf[i] === 45 || buf[i] === 43) {
    neg = buf[i] === 45;
    i++;
  }
  if (i === e || e - i > 15) return undefined;
  let n = 0;
  for (; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

function ascii(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i]! >= 0x80) return false;
  return true;
}
