/**
 * Result formatting for `definite sql`: `table` (psql-like), `csv` (as Postgres's COPY ... CSV
 * HEADER writes it: a header line, NULL as an empty field, an empty string as ""), `json`
 * (one JSON object per row, keyed by column name). Timestamps (milliseconds since the epoch on
 * the wire) are written as Postgres prints them, `2024-03-01 10:30:00`, in every format.
 */
import type { StatementResult } from '../protocol/control/response.js';
import type { ColumnType, Value } from '../protocol/types.js';
import { formatTimestamp, formatTimestamptz } from '../protocol/timestamp-text.js';
import { formatTime } from '../protocol/time-text.js';
import { decodeInterval, formatDate, formatInterval } from '../protocol/datetime.js';
import { isNumericString, numericText } from '../protocol/numeric.js';

/** A row's values as they are shown: timestamps as text. */
export function shown(row: Value[], types: Array<ColumnType | string>): Value[] {
  return row.map((v, i) => {
    if (types[i] === 'timestamp' && typeof v === 'number') return formatTimestamp(v);
    if (types[i] === 'timestamptz' && typeof v === 'number') return formatTimestamptz(v);
    if (types[i] === 'time' && typeof v === 'number') return formatTime(v);
    if (types[i] === 'date' && typeof v === 'number') return formatDate(v);
    // A numeric carried as a string (protocol/numeric.ts: 1.50, or past a double) as its digits.
    if (isNumericString(v)) return numericText(v as string);
    const iv = types[i] === 'interval' && typeof v === 'string' ? decodeInterval(v) : undefined;
    return iv ? formatInterval(iv) : v;
  });
}

export type Format = 'table' | 'csv' | 'json';

export function formatResult(r: StatementResult, format: Format): string {
  if (!r.columns) return format === 'json' ? JSON.stringify({ tag: r.tag }) : r.tag;
  const names = r.columns.map((c) => c.name);
  const types = r.columns.map((c) => c.type);
  const rows = (r.rows ?? []).map((row) => shown(row, types));
  switch (format) {
    case 'csv':
      return [names.map(csvField).join(','), ...rows.map((row) => row.map(csvValue).join(','))].join('\n');
    case 'json':
      return rows.map((row) => JSON.stringify(Object.fromEntries(names.map((n, i) => [n, row[i] ?? null])))).join('\n');
    case 'table':
      return table(names, rows.map((row) => row.map(text)), r.tag);
  }
}

function text(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return String(v);
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvValue(v: Value): string {
  return v === null ? '' : csvField(text(v));
}

function table(names: string[], rows: string[][], tag: string): string {
  const widths = names.map((n, i) => Math.max(n.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => ' ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w + 2)).join('+');
  const count = `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`;
  return [line(names), rule, ...rows.map(line), count].join('\n') + (tag.startsWith('SELECT') ? '' : `\n${tag}`);
}
