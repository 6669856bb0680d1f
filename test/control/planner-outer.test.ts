/**
 * Outer joins against an independent oracle: for each ON condition (written both in SQL and as a
 * JS function with SQL's three-valued logic) and each join kind, the planned result must equal
 * the textbook definition computed by brute force here: every matching pair, plus each row of
 * the preserved side(s) that matched nothing, padded with NULLs. Covers the key form and the
 * general (null-safe) form of outer-join planning, NULL keys and duplicate rows.
 */
import type { Row, Value } from '../../protocol/types.js';
import { bag, setup, sorted, TABLES } from './planner-fixture.js';

beforeAll(setup);

type V = Value;
const cmp = (f: (a: number, b: number) => boolean) => (a: V, b: V): boolean | null => (a === null || b === null ? null : f(a as number, b as number));
const and = (x: boolean | null, y: boolean | null) => (x === false || y === false ? false : x === null || y === null ? null : true);
const or = (x: boolean | null, y: boolean | null) => (x === true || y === true ? true : x === null || y === null ? null : false);
const eq = cmp((a, b) => a === b);
const lt = cmp((a, b) => a < b);

const CONDITIONS: Array<[string, (a: V, b: V) => boolean | null]> = [
  ['a.n = b.n', eq],
  ['a.n < b.n', lt],
  ['b.n = a.n AND b.n > 1', (a, b) => and(eq(a, b), cmp((x) => x > 1)(b, 0))],
  ['a.n = b.n AND a.n <> 2', (a, b) => and(eq(a, b), cmp((x) => x !== 2)(a, 0))],
  ['a.n + 1 = b.n', (a, b) => (a === null ? null : eq((a as number) + 1, b))],
  ['a.n = b.n OR a.n IS NULL', (a, b) => or(eq(a, b), a === null)],
  ['a.n IS NULL AND b.n IS NULL', (a, b) => a === null && b === null],
  ['true', () => true],
  ['false', () => false],
  ['b.n IS NULL', (_a, b) => b === null],
  ['a.n > 1', (a) => cmp((x) => x > 1)(a, 0)],
  ['coalesce(a.n, 0) = coalesce(b.n, 0)', (a, b) => ((a ?? 0) === (b ?? 0))],
];

function oracle(left: Row[], right: Row[], on: (a: V, b: V) => boolean | null, kind: 'LEFT' | 'RIGHT' | 'FULL'): Row[] {
  const out: Row[] = [];
  const rightMatched = right.map(() => false);
  for (const l of left) {
    let matched = false;
    right.forEach((r, j) => {
      if (on(l[0]!, r[0]!) === true) {
        out.push([l[0]!, r[0]!]);
        matched = true;
        rightMatched[j] = true;
      }
    });
    if (!matched && kind !== 'RIGHT') out.push([l[0]!, null]);
  }
  if (kind !== 'LEFT') right.forEach((r, j) => !rightMatched[j] && out.push([null, r[0]!]));
  return sorted(out);
}

const pairs: Array<[string, string]> = [
  ['nums', 'nums2'],
  ['nums2', 'nums'],
  ['nums', 'nums'],
];

describe.each(pairs)('%s a ⟗ %s b', (l, r) => {
  test.each(CONDITIONS.map(([sql, f]) => [sql, f] as const))('ON %s', (sql, f) => {
    for (const kind of ['LEFT', 'RIGHT', 'FULL'] as const) {
      const got = bag(`SELECT a.n, b.n FROM ${l} a ${kind} JOIN ${r} b ON ${sql}`);
      expect({ kind, rows: got }).toEqual({ kind, rows: oracle(TABLES[l]!.rows, TABLES[r]!.rows, f, kind) });
    }
  });
});
