/**
 * pgoutput TupleData straight into collection rows, one compiled reader per upstream table: each
 * column gets a converter chosen once from its type (integers parsed from the bytes without a
 * string, text sliced once, anything else through `pgTextValue`), and the tuple is read in place
 * from the CopyData buffer (no per-field objects). The ingest hot path of the PostgreSQL source
 * (issue #19); `pgoutput.ts` stays the general decoder for every other message.
 */
import type { PostgresSource } from '../../../../protocol/storage/source.js';
import { pgColumnType, pgTextValue } from '../../../../protocol/storage/pg-types.js';
import { INT_RANGE } from '../../../../protocol/int-range.js';
import type { Row, Value } from '../../../../protocol/types.js';

/** A value definite cannot hold (the driver stalls the source with this message). */
export class UnfitValue extends Error {}

/** The slot of a column sent as an unchanged TOASTed value ('u'): to be taken from the old row. */
export const UNCHANGED = Object.freeze({ unchanged: true }) as unknown as Value;

type Convert = (buf: Buffer, start: number, end: number) => Value;

interface Utf8Buffer extends Buffer {
  utf8Slice(start: number, end: number): string;
}

const text = (buf: Buffer, start: number, end: number): string => (buf as Utf8Buffer).utf8Slice(start, end);

/** An integer of at most 15 digits read from bytes, or undefined (then the text path decides). */
function smallInt(buf: Buffer, start: number, end: number): number | undefined {
  let i = start;
  const neg = buf[i] === 45;
  if (neg) i++;
  if (i === end || end - i > 15) return undefined;
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

function converter(col: PostgresSource['tables'][number]['columns'][number]): Convert {
  const general: Convert = (buf, start, end) => pgTextValue(col.typeOid, text(buf, start, end), col.type);
  // The type pgTextValue reads the text as: an enum's oid is its own (its column type says text),
  // a jsonb column made before definite had jsonb stays text.
  const type = col.typeOid === 3802 && col.type === 'text' ? 'text' : (pgColumnType(col.typeOid) ?? col.type);
  if (type === 'text') return text;
  if (type === 'smallint' || type === 'int' || type === 'bigint') {
    const [lo, hi] = type === 'bigint' ? [-Infinity, Infinity] : INT_RANGE[type];
    return (buf, start, end) => {
      const n = smallInt(buf, start, end);
      return n !== undefined && n >= lo && n <= hi ? n : general(buf, start, end);
    };
  }
  if (type === 'bool') {
    return (buf, start, end) => (end - start === 1 && buf[start] === 116 ? true : end - start === 1 && buf[start] === 102 ? false : general(buf, start, end));
  }
  return general;
}

/** Reads one table's tuples into rows `[table, ...]` of the source's collection (width columns). */
export class TupleRows {
  /** Where the last tuple read ends in its buffer. */
  end = 0;
  /** Whether the last tuple read had an unchanged TOASTed column (its slot holds UNCHANGED). */
  unchanged = false;
  private readonly converters: Convert[];

  constructor(
    private readonly table: number,
    private readonly spec: PostgresSource['tables'][number],
    /** The collection column of the table's first column. */
    private readonly at: number,
    private readonly width: number,
  ) {
    this.converters = spec.columns.map(converter);
  }

  /** The TupleData at `pos` of `buf` (Int16 count, then per column 'n' | 'u' | 't' Int32 length bytes). */
  read(buf: Buffer, pos: number): Row {
    if (pos + 2 > buf.length) throw cutShort(buf, pos + 2);
    const n = buf.readInt16BE(pos);
    pos += 2;
    const cs = this.converters;
    if (n !== cs.length) throw new Error(`pgoutput: a tuple of ${this.spec.schema}.${this.spec.name} has ${n} columns, not ${cs.length}`);
    const row: Row = new Array(this.width).fill(null);
    row[0] = this.table;
    this.unchanged = false;
    for (let k = 0; k < n; k++) {
      const kind = buf[pos++];
      if (kind === 0x74 /* t */) {
        if (pos + 4 > buf.length) throw cutShort(buf, pos + 4);
        const len = buf.readInt32BE(pos);
        const start = pos + 4;
        pos = start + len;
        if (pos > buf.length) throw cutShort(buf, pos);
        try {
          row[this.at + k] = cs[k]!(buf, start, pos);
        } catch (err) {
          throw new UnfitValue(`upstream table ${this.spec.schema}.${this.spec.name}, column "${this.spec.columns[k]!.name}": ${(err as Error).message}`);
        }
      } else if (kind === 0x75 /* u */) {
        row[this.at + k] = UNCHANGED;
        this.unchanged = true;
      } else if (kind !== 0x6e /* n */) {
        throw kind === undefined ? cutShort(buf, pos) : new Error(`pgoutput: unknown tuple column kind '${String.fromCharCode(kind)}'`);
      }
    }
    this.end = pos;
    return row;
  }

  /** The first column of `row` still UNCHANGED (after taking the old row's values), or undefined. */
  unchangedColumn(row: Row): string | undefined {
    for (let k = 0; k < this.converters.length; k++) if (row[this.at + k] === UNCHANGED) return this.spec.columns[k]!.name;
    return undefined;
  }

  /** Fills `row`'s UNCHANGED slots from `old` (an UPDATE's old row, REPLICA IDENTITY FULL). */
  takeUnchanged(row: Row, old: Row): void {
    for (let k = 0; k < this.converters.length; k++) if (row[this.at + k] === UNCHANGED) row[this.at + k] = old[this.at + k]!;
  }
}

function cutShort(buf: Buffer, needed: number): Error {
  return new Error(`pgoutput: message cut short (${buf.length} bytes, needed ${needed})`);
}
