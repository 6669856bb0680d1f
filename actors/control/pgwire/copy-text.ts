/**
 * COPY's text and CSV formats: a row of values written as Postgres' COPY TO writes it (text:
 * tab-separated, `\N` for NULL, backslash escapes; CSV: comma-separated, quoted when needed, NULL
 * an unquoted empty field), and the lines of COPY FROM parsed back into fields and then into
 * definite values of the table's column types (22P02 / 22003 on a bad value, with the line).
 */
import { JsonbInputError, jsonbValue, parseJsonb } from '../../../protocol/jsonb.js';
import { intOfText } from '../../../protocol/int-range.js';
import { parseArrayText } from '../../../protocol/array.js';
import type { Column, Row, Value } from '../../../protocol/types.js';
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import { textValue } from './pg-types.js';
import { parseTimestampText } from '../../../protocol/compute/datetime-scalar.js';
import { parseTimeText } from '../../../protocol/time-text.js';
import { checkVarchar } from '../../../protocol/compute/scalar.js';
import { decimalFits, fitNumeric, numericOutOfRange, numericValue, parseDecimal, type NumericValue } from '../../../protocol/numeric.js';

const InvalidTextRepresentation = '22P02';
import { encodeInterval, parseDate, parseInterval } from '../../../protocol/datetime.js';

export type CopyFormat = 'text' | 'csv';

/** One row of COPY TO output, with its line end. */
export function encodeCopyRow(row: Row, types: string[], format: CopyFormat): string {
  let out = '';
  for (let i = 0; i < row.length; i++) {
    if (i > 0) out += format === 'csv' ? ',' : '\t';
    const b = textValue(row[i]!, types[i] ?? 'text');
    if (b === null) {
      out += format === 'csv' ? '' : '\\N';
      continue;
    }
    const s = b.toString('utf8');
    out += format === 'csv' ? csvField(s) : textField(s);
  }
  return `${out}\n`;
}

function textField(s: string): string {
  if (!/[\\\t\n\r\b\f\v]/.test(s)) return s;
  return s.replace(/[\\\t\n\r\b\f\v]/g, (c) => TEXT_ESCAPES[c]!);
}

const TEXT_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

function csvField(s: string): string {
  if (s === '' || /[",\n\r]/.test(s) || s === '\\.') return `"${s.replace(/"/g, '""')}"`;
  return s;
}

/** The fields of one line of text format (`\N` is null); `line` has no line end. */
export function splitTextLine(line: string): Array<string | null> {
  const out: Array<string | null> = line.split('\t');
  if (!line.includes('\\')) return out;
  for (let i = 0; i < out.length; i++) {
    const f = out[i]!;
    if (f === '\\N') out[i] = null;
    else if (f.includes('\\')) out[i] = unescapeText(f);
  }
  return out;
}

function unescapeText(f: string): string {
  return f.replace(/\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))/g, (_, oct: string | undefined, hex: string | undefined, c: string | undefined) => {
    if (oct) return String.fromCharCode(parseInt(oct, 8));
    if (hex) return String.fromCharCode(parseInt(hex, 16));
    switch (c) {
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'v': return '\v';
      default: return c ?? '';
    }
  });
}

/**
 * Splits CSV text into records (quoted fields may span lines); `final`: no more text follows.
 * Returns the records and the unconsumed tail (a record not yet ended).
 */
export function splitCsv(text: string, final: boolean): { records: Array<Array<string | null>>; rest: string } {
  const records: Array<Array<string | null>> = [];
  let fields: Array<string | null> = [];
  let i = 0;
  let start = 0;
  const n = text.length;
  while (i < n || (final && start < n)) {
    // One field starting at i.
    let value: string | null;
    if (text[i] === '"') {
      let s = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) {
          if (final) throw new SqlError(InvalidTextRepresentation, 'unterminated CSV quoted field');
          return { records, rest: text.slice(start) };
        }
        s += text.slice(j, q);
        if (text[q + 1] === '"') {
          s += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      value = s;
    } else {
      let j = i;
      while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
      if (j >= n && !final) return { records, rest: text.slice(start) };
      const raw = text.slice(i, j);
      value = raw === '' ? null : raw;
      i = j;
    }
    fields.push(value);
    if (i >= n) {
      if (!final) return { records, rest: text.slice(start) };
      records.push(fields);
      return { records, rest: '' };
    }
    const c = text[i];
    if (c === ',') {
      i++;
      if (i >= n && final) {
        fields.push(null);
        records.push(fields);
        return { records, rest: '' };
      }
      continue;
    }
    if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      else if (c === '\r' && i + 1 >= n && !final) return { records, rest: text.slice(start) };
      i++;
      records.push(fields);
      fields = [];
      start = i;
      continue;
    }
    throw new SqlError(InvalidTextRepresentation, 'extra data after last expected column: unexpected character after a quoted CSV field');
  }
  return { records, rest: text.slice(start) };
}


/** A COPY FROM row of fields as a row of the table's column types. */
export function typedRow(fields: Array<string | null>, columns: Column[], line: number): Row {
  if (fields.length !== columns.length) {
    throw new SqlError('22P04', fields.length < columns.length ? `missing data for column "${columns[fields.length]!.name}"` : 'extra data after last expected column', {
      hint: `COPY line ${line}`,
    });
  }
  // Typed in place: the fields array becomes the row (no second array per row).
  const row = fields as Value[];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const col = columns[i]!;
    if (f === null) {
      if (!col.nullable) throw new SqlError(SqlState.NotNullViolation, `null value in column "${col.name}" violates not-null constraint`, { hint: `COPY line ${line}` });
      row[i] = null;
      continue;
    }
    row[i] = typedValue(f, col, line);
  }
  return row;
}

/** 22P02 for a field that is not a value of its column's type. (Top level: no closure per value.) */
/** A numeric field read exactly, rounded and checked as its column's numeric(p, s). */
function numericField(s: string, col: Column, line: number): NumericValue {
  const where = { hint: `COPY line ${line}, column ${col.name}` };
  const d = parseDecimal(s)!;
  if (!decimalFits(d)) throw new SqlError(SqlState.NumericValueOutOfRange, numericOutOfRange(), where);
  let v = numericValue(d);
  if (col.precision !== undefined) {
    const fitted = fitNumeric(v, col.precision, col.scale ?? 0);
    if (!fitted.ok) throw new SqlError(SqlState.NumericValueOutOfRange, `${fitted.message}: ${fitted.detail}`, where);
    v = fitted.value;
  }
  return v;
}

function badValue(f: string, col: Column, line: number, type: string): SqlError {
  return new SqlError(InvalidTextRepresentation, `invalid input syntax for type ${type}: "${f}"`, { hint: `COPY line ${line}, column ${col.name}` });
}

const INTEGER = /^[+-]?\d+$/;

function typedValue(f: string, col: Column, line: number): Value {
  switch (col.type) {
    case 'text':
      if (col.length === undefined) return f;
      try {
        return checkVarchar(f, col.length);
      } catch (e) {
        throw new SqlError('22001', (e as Error).message, { hint: `COPY line ${line}, column ${col.name}` });
      }
    case 'smallint':
    case 'int':
    case 'bigint': {
      const s = f.charCodeAt(0) <= 32 || f.charCodeAt(f.length - 1) <= 32 ? f.trim() : f;
      if (!INTEGER.test(s)) throw badValue(f, col, line, col.type === 'int' ? 'integer' : col.type);
      // Exact over each type's range; a bigint past ±(2^53 - 1) is its tagged digits (protocol/int-range.ts).
      const n = intOfText(s, col.type);
      if (n === undefined) {
        throw new SqlError(SqlState.NumericValueOutOfRange, `value "${f}" is out of range for type ${col.type === 'int' ? 'integer' : col.type}`, { hint: `COPY line ${line}, column ${col.name}` });
      }
      return n;
    }
    case 'float':
    case 'real':
    case 'numeric': {
      const s = f.trim().toLowerCase();
      if (col.type !== 'numeric' && (s === 'nan' || s === 'infinity' || s === '+infinity' || s === '-infinity' || s === 'inf' || s === '-inf')) {
        return s === 'nan' ? NaN : s.startsWith('-') ? -Infinity : Infinity;
      }
      if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s)) throw badValue(f, col, line, col.type === 'float' ? 'double precision' : 'numeric');
      if (col.type === 'numeric') return numericField(s, col, line);
      const x = col.type === 'real' ? Math.fround(Number(s)) : Number(s);
      if (!Number.isFinite(x)) throw new SqlError(SqlState.NumericValueOutOfRange, `"${f}" is out of range for type ${col.type === 'real' ? 'real' : 'double precision'}`, { hint: `COPY line ${line}, column ${col.name}` });
      return x;
    }
    case 'bool': {
      const s = f.trim().toLowerCase();
      if (['t', 'true', 'y', 'yes', 'on', '1'].includes(s)) return true;
      if (['f', 'false', 'n', 'no', 'off', '0'].includes(s)) return false;
      throw badValue(f, col, line, 'boolean');
    }
    case 'time': {
      const t = parseTimeText(f);
      if (typeof t !== 'number') throw new SqlError(t.code, t.message, { hint: `COPY line ${line}, column ${col.name}` });
      return t;
    }
    case 'timestamptz': {
      const t = parseTimestampText(f, true);
      if (typeof t !== 'number') throw new SqlError(t.code, t.message, { hint: `COPY line ${line}, column ${col.name}` });
      return t;
    }
    case 'timestamp': {
      const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(f.trim());
      if (!m) throw badValue(f, col, line, 'timestamp');
      const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000));
      const d = new Date(ms);
      if (d.getUTCMonth() !== +m[2]! - 1 || d.getUTCDate() !== +m[3]! || +(m[4] ?? 0) > 23 || +(m[5] ?? 0) > 59 || +(m[6] ?? 0) > 59) {
        throw new SqlError('22008', `date/time field value out of range: "${f}"`, { hint: `COPY line ${line}, column ${col.name}` });
      }
      return ms;
    }
    case 'date': {
      const d = parseDate(f);
      if (typeof d !== 'number') throw new SqlError(d.code, d.message, { hint: `COPY line ${line}, column ${col.name}` });
      return d;
    }
    case 'jsonb':
      try {
        return jsonbValue(parseJsonb(f));
      } catch (e) {
        if (e instanceof JsonbInputError) throw new SqlError(e.code, e.message, { hint: `${e.detail} COPY line ${line}, column ${col.name}` });
        throw e;
      }
    case 'interval': {
      const i = parseInterval(f);
      if ('code' in i) throw new SqlError(i.code, i.message, { hint: `COPY line ${line}, column ${col.name}` });
      return encodeInterval(i);
    }
    default: {
      if (!col.type.endsWith('[]')) return f;
      // An array column: Postgres' array text ('{1,2,NULL}'), each element read as the element type.
      const parsed = parseArrayText(f);
      if (!parsed.ok) throw new SqlError('22P02', `malformed array literal: "${f}" (${parsed.detail})`, { hint: `COPY line ${line}, column ${col.name}` });
      const element: Column = { ...col, type: col.type.slice(0, -2) as Column['type'], nullable: true };
      return parsed.elements.map((e) => (e === null ? null : (typedValue(e, element, line) as Exclude<Value, unknown[]>)));
    }
  }
}
