/**
 * Applying a query's finishing to the rows a peek returned: expand multiplicities, sort by the
 * ORDER BY keys (NULLs larger than every value unless `nullsFirst` says otherwise, as in
 * Postgres), skip OFFSET rows, keep LIMIT rows, project the visible columns. Values compare as
 * COMPUTE compares them (protocol/compute/row.ts): numbers numerically, strings by UTF-16 code
 * units, false < true; ties are broken by the whole row.
 */
import { compileOrder } from '../../../protocol/compute/row.js';
import type { Row } from '../../../protocol/types.js';
import type { Finishing } from './planned.js';

/** The rows a client sees: `rows` (with multiplicities) finished. Negative multiplicities are a bug upstream. */
export function applyFinishing(rows: Array<[Row, number]>, finishing: Finishing): Row[] {
  const expanded: Row[] = [];
  for (const [row, diff] of rows) {
    if (diff < 0) throw new Error(`a peek returned a row with multiplicity ${diff}`);
    for (let i = 0; i < diff; i++) expanded.push(row);
  }
  // Ties are broken by the whole row, as topk does, so a LIMIT always returns the same rows.
  if (finishing.order.length > 0) expanded.sort(compileOrder(finishing.order));
  const end = finishing.limit === undefined ? expanded.length : finishing.offset + finishing.limit;
  const identity = finishing.project.length === (expanded[0]?.length ?? 0) && finishing.project.every((c, i) => c === i);
  return expanded.slice(finishing.offset, end).map((r) => (identity ? r : finishing.project.map((c) => r[c]!)));
}
