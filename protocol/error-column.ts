/**
 * The error column of a materialized view's collection. A view's dataflow can fail to evaluate
 * a row (an integer overflow, a division by zero, a bad cast); Materialize keeps those errors
 * beside the data so every reader of the view sees them, and so does definite: the STORAGE
 * collection of a materialized view has one more column than the view, `mz_error` (text), last.
 * A data row holds NULL there; an error row holds NULL in every other column and the error's
 * message there, with its multiplicity as the diff. A read of the view fails with the first
 * error while any is present, and heals when the rows that caused them are retracted.
 *
 * Every column of such a collection is nullable in STORAGE (error rows are NULL elsewhere); the
 * view's own nullability is kept by the catalog.
 */
import type { Column, Row, Update } from './types.js';

export const ERROR_COLUMN: Column = { name: 'mz_error', type: 'text', nullable: true };

/** The STORAGE schema of a materialized view with these columns. */
export function withErrorColumn(columns: Column[]): Column[] {
  return [...columns.map((c) => ({ ...c, nullable: true })), ERROR_COLUMN];
}

/** A view's output row as a row of its collection. */
export function dataRow(row: Row): Row {
  const out = row.slice();
  out.push(null);
  return out;
}

/** An error of a view with `arity` columns as a row of its collection. */
export function errorRow(message: string, arity: number): Row {
  const out: Row = new Array(arity + 1).fill(null);
  out[arity] = message;
  return out;
}

/** Updates as parallel arrays. */
export interface UpdateArrays {
  readonly rows: Row[];
  readonly times: number[];
  readonly diffs: number[];
}

/**
 * Splits a collection's updates: data rows lose their error column in place (they must be the
 * caller's own), error rows come back as `[message, time, diff]`. `data` is `updates` itself
 * when it held no error.
 */
export function splitColumns(updates: UpdateArrays): { data: UpdateArrays; errors: Array<[string, number, number]> } {
  const { rows, times, diffs } = updates;
  const errors: Array<[string, number, number]> = [];
  let data: { rows: Row[]; times: number[]; diffs: number[] } | undefined;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const message = row.pop();
    if (message === null || message === undefined) {
      if (data) {
        data.rows.push(row);
        data.times.push(times[i]!);
        data.diffs.push(diffs[i]!);
      }
      continue;
    }
    data ??= { rows: rows.slice(0, i), times: times.slice(0, i), diffs: diffs.slice(0, i) };
    errors.push([String(message), times[i]!, diffs[i]!]);
  }
  return { data: data ?? updates, errors };
}

/** `splitColumns` for `[row, time, diff]` updates: the data updates (rows stripped in place) and the errors. */
export function splitUpdates(updates: Update[]): { data: Update[]; errors: Array<[string, number, number]> } {
  const errors: Array<[string, number, number]> = [];
  const data: Update[] = [];
  for (const u of updates) {
    const message = u[0].pop();
    if (message === null || message === undefined) data.push(u);
    else errors.push([String(message), u[1], u[2]]);
  }
  return { data, errors };
}

/** Splits `[row, diff]` contents (a snapshot) the same way, stripping rows in place. */
export function splitContents(contents: Array<[Row, number]>): { rows: Array<[Row, number]>; errors: Array<[string, number]> } {
  const rows: Array<[Row, number]> = [];
  const errors: Array<[string, number]> = [];
  for (const c of contents) {
    const message = c[0].pop();
    if (message === null || message === undefined) rows.push(c);
    else errors.push([String(message), c[1]]);
  }
  return { rows, errors };
}
