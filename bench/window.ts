/**
 * WINDOW benchmark (`npm run bench -- --only window`, or `node --import tsx bench/window.ts`):
 * the cost of one update (a row retracted and a new one inserted at a random place, each update
 * its own timestamp) to a single 100,000-row partition, for `lag`/`lead` (outputs that change:
 * O(1) per update), and for `row_number` (every later output changes: on average half the
 * partition) as a contrast. Baseline: what the engine did before issue #18 and what Materialize
 * does, re-evaluating the touched partition before and after the update (`evaluateWindow` twice).
 * Results are cross-checked against the reference evaluator after the updates.
 */
import { createEngine } from '../actors/compute/engine-binding.js';
import type { Plan } from '../protocol/compute/plan.js';
import { evaluatePlan } from '../protocol/compute/reference.js';
import { evaluateWindow, type WindowCall } from '../protocol/compute/window.js';
import { consolidateRows } from '../protocol/compute/row.js';
import type { Row, Update } from '../protocol/types.js';
import { SeededRandom } from '../runtime/random.js';
import { figure, median, type Figure } from './figure.js';

const ROWS = 100_000;

function plan(functions: WindowCall[]): Plan {
  return { op: 'window', input: { op: 'get', name: 'A', arity: 2 }, partitionBy: [], orderBy: [{ column: 0, desc: false, nullsFirst: false }], functions };
}

/** Microseconds per update (median of per-update times) of the engine, and whether it matched the reference. */
function runEngine(functions: WindowCall[], updates: number): { us: number; ok: boolean } {
  const r = new SeededRandom(7);
  const live: Row[] = [];
  for (let i = 0; i < ROWS; i++) live.push([r.int(1_000_000_000), i]);
  const e = createEngine(plan(functions), ['A'], 0);
  e.pushInput('A', live.map((row): Update => [row.slice(), 0, 1]));
  e.advanceInput('A', [1]);
  e.step();
  const times: number[] = [];
  let t = 1;
  for (let u = 0; u < updates; u++) {
    const j = r.int(live.length);
    const out = live[j]!;
    const inn: Row = [r.int(1_000_000_000), ROWS + u];
    live[j] = inn;
    e.pushInput('A', [[out, t, -1], [inn, t, 1]]);
    t++;
    const s = performance.now();
    e.advanceInput('A', [t]);
    e.step();
    times.push(performance.now() - s);
    e.allowCompaction(t - 1);
  }
  const got = consolidateRows(e.peek(t - 1));
  const want = evaluatePlan(plan(functions), new Map([['A', live.map((row): [Row, number] => [row, 1])]]));
  return { us: median(times) * 1000, ok: JSON.stringify(got) === JSON.stringify(want) };
}

/** Microseconds per update of re-evaluating the whole partition before and after (the old engine). */
function runFull(functions: WindowCall[], updates: number): number {
  const r = new SeededRandom(7);
  const live: Array<[Row, number]> = [];
  for (let i = 0; i < ROWS; i++) live.push([[r.int(1_000_000_000), i], 1]);
  const times: number[] = [];
  for (let u = 0; u < updates; u++) {
    const j = r.int(live.length);
    const s = performance.now();
    evaluateWindow(live, [{ column: 0, desc: false, nullsFirst: false }], functions);
    live[j] = [[r.int(1_000_000_000), ROWS + u], 1];
    evaluateWindow(live, [{ column: 0, desc: false, nullsFirst: false }], functions);
    times.push(performance.now() - s);
  }
  return median(times) * 1000;
}

export async function benchWindow(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const cases: Array<[string, WindowCall[], number]> = [
    ['lag(v, 1), lead(v, 2)', [{ fn: 'lag', column: 1, offset: 1 }, { fn: 'lead', column: 1, offset: 2 }], 2000],
    ['row_number()', [{ fn: 'row_number' }], 200],
  ];
  for (const [name, functions, updates] of cases) {
    const full = runFull(functions, 5);
    const inc = runEngine(functions, Number(process.env.WINDOW_UPDATES ?? updates));
    if (!inc.ok) throw new Error(`window ${name}: the engine's result differs from the reference`);
    figures.push(
      figure(`window ${name}: one update to a ${ROWS.toLocaleString('en')}-row partition (median)`, inc.us, 'us', { name: 'full re-evaluation of the partition', value: full }, {
        text: name.startsWith('lag') ? 'ratio <= 0.01' : 'ratio <= 1',
        check: (_v, ratio) => ratio !== undefined && ratio <= (name.startsWith('lag') ? 0.01 : 1),
      }),
    );
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of await benchWindow()) console.log(JSON.stringify(f));
}
