/**
 * The incremental window operator (actors/compute/engine/window.ts) against the reference
 * evaluator (a full re-evaluation of every partition) at every timestamp, on random streams of
 * inserts and retractions into few, large partitions with ties, NULLs, floats and several calls
 * per node; and checks that an update recomputes only the outputs it can change.
 */
import type { Plan } from '../../protocol/compute/plan.js';
import type { WindowCall } from '../../protocol/compute/window.js';
import { evaluateWindow } from '../../protocol/compute/window.js';
import { compileOrder } from '../../protocol/compute/row.js';
import { WindowNode } from '../../actors/compute/engine/window.js';
import { Delta } from '../../actors/compute/engine/node.js';
import type { Row } from '../../protocol/types.js';
import { get, runDifferential, smallFloat, smallInt, type InputSpec } from './engine-harness.js';

const W: InputSpec = { name: 'W', columns: [smallInt(2, 0.1), smallInt(6), smallFloat] };
const SEEDS = [11, 12, 13, 14, 15, 16];

function check(functions: WindowCall[], orderBy = [{ column: 1, desc: false, nullsFirst: false }], partitionBy = [0]): void {
  const plan: Plan = { op: 'window', input: get('W', 3), partitionBy, orderBy, functions };
  let updates = 0;
  for (const seed of SEEDS) updates += runDifferential(plan, [W], { seed, times: 25, maxUpdates: 12 }).outputUpdates;
  expect(updates).toBeGreaterThan(0);
}

test('lag and lead with several offsets and defaults, and first/last value in every frame', () => {
  check([
    { fn: 'lag', column: 2 },
    { fn: 'lead', column: 2, offset: 3, default: -1 },
    { fn: 'lag', column: 1, offset: 2 },
    { fn: 'lead', column: 1 },
  ]);
  check([
    { fn: 'first_value', column: 2 },
    { fn: 'last_value', column: 2, frame: 'rows' },
    { fn: 'last_value', column: 2, frame: 'range' },
    { fn: 'last_value', column: 2, frame: 'partition' },
  ]);
});

test('ranking functions and ntile, with ties and a descending two-column order', () => {
  const orderBy = [
    { column: 1, desc: true, nullsFirst: true },
    { column: 2, desc: false, nullsFirst: false },
  ];
  check([{ fn: 'row_number' }, { fn: 'rank' }, { fn: 'dense_rank' }, { fn: 'ntile', offset: 4 }], orderBy);
  check([{ fn: 'rank' }, { fn: 'dense_rank' }, { fn: 'lag', column: 2 }]);
});

test('running aggregates over floats and ints in ROWS, RANGE and whole-partition frames', () => {
  for (const frame of ['rows', 'range', 'partition'] as const) {
    check([
      { fn: 'sum', column: 2, frame },
      { fn: 'avg', column: 2, frame },
      { fn: 'min', column: 2, frame },
      { fn: 'max', column: 1, frame },
      { fn: 'count', column: 2, frame },
      { fn: 'count_star', frame },
    ]);
  }
});

test('no ORDER BY (every row a peer) and no PARTITION BY (one partition)', () => {
  check([{ fn: 'lag', column: 2 }, { fn: 'sum', column: 1 }, { fn: 'rank' }], [], [0]);
  check([{ fn: 'lead', column: 2, offset: 2 }, { fn: 'row_number' }, { fn: 'sum', column: 2, frame: 'rows' }], [{ column: 1, desc: false, nullsFirst: false }], []);
});

/** Drives a WindowNode directly: one partition of `n` rows, then single-row updates. */
function drive(functions: WindowCall[], n: number, updates: Array<[Row, number] | Array<[Row, number]>>): { recomputed: number[]; ok: boolean } {
  const orderBy = [{ column: 0, desc: false, nullsFirst: false }];
  const node = new WindowNode(1, 2 + functions.length, 0, [], orderBy, functions);
  const live = new Map<string, [Row, number]>();
  const out = new Map<string, [Row, number]>();
  const apply = (rows: Array<[Row, number]>, t: number): void => {
    for (const [row, d] of rows) {
      const k = JSON.stringify(row);
      const e = live.get(k) ?? [row, 0];
      e[1] += d;
      live.set(k, e);
    }
    const delta = node.step({ time: t, asOf: 0, deltas: [new Delta(rows.map((r) => r[0]), rows.map((r) => r[1]))], error: () => {} });
    for (let i = 0; i < (delta?.length ?? 0); i++) {
      const k = JSON.stringify(delta!.rows[i]);
      const e = out.get(k) ?? [delta!.rows[i]!, 0];
      e[1] += delta!.diffs[i]!;
      if (e[1] === 0) out.delete(k);
      else out.set(k, e);
    }
  };
  const initial: Array<[Row, number]> = [];
  for (let i = 0; i < n; i++) initial.push([[i * 10, i], 1]);
  apply(initial, 0);
  const recomputed: number[] = [];
  updates.forEach((u, t) => {
    apply(Array.isArray(u[0]) && Array.isArray(u[0][0]) ? (u as Array<[Row, number]>) : [u as [Row, number]], t + 1);
    recomputed.push(node.recomputed);
  });
  const sort = (rows: Array<[Row, number]>) => rows.map((r) => JSON.stringify(r)).sort();
  const want = evaluateWindow([...live.values()].filter(([, c]) => c > 0), orderBy, functions);
  void compileOrder;
  return { recomputed, ok: JSON.stringify(sort([...out.values()])) === JSON.stringify(sort(want)) };
}

test('an update to a large partition recomputes only the outputs it can change', () => {
  const updates: Array<[Row, number]> = [
    [[5005, -1], 1], // an insert in the middle
    [[2000, 200], -1], // a delete in the middle
    [[-5, -2], 1], // an insert at the start
    [[99_990, 9999], -1], // a delete at the end
  ];
  const lagLead = drive([{ fn: 'lag', column: 1 }, { fn: 'lead', column: 1, offset: 2 }], 10_000, updates);
  expect(lagLead.ok).toBe(true);
  for (const r of lagLead.recomputed) expect(r).toBeLessThanOrEqual(6);
  // A delete and an insert far apart at one time: the rows between are not recomputed.
  const apart = drive([{ fn: 'lag', column: 1 }, { fn: 'lead', column: 1, offset: 2 }, { fn: 'first_value', column: 1 }], 10_000, [[[[1000, 100], -1], [[90_005, -3], 1]]]);
  expect(apart.ok).toBe(true);
  expect(apart.recomputed[0]).toBeLessThanOrEqual(10);
  // row_number: every later output changes, so the work is what follows the change.
  const rowNumber = drive([{ fn: 'row_number' }], 10_000, updates);
  expect(rowNumber.ok).toBe(true);
  expect(rowNumber.recomputed).toEqual([10_001 - 501, 10_000 - 200, 10_001, 0]);
  // A running sum after an update that leaves the sum unchanged later (delete + insert of equal value at neighbouring places).
  const sum = drive([{ fn: 'sum', column: 1, frame: 'rows' }], 1000, [[[55, 0], 1]]);
  expect(sum.ok).toBe(true);
  expect(sum.recomputed[0]).toBeLessThanOrEqual(2);
});
