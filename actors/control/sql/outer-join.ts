/**
 * LEFT / RIGHT / FULL OUTER JOIN as plan IR, which has only inner joins:
 *
 *   L ⟕ R = (L ⋈ R)  ∪  pad(L − matched(L))
 *
 * where matched(L) are the rows of L with at least one partner, each with its own multiplicity.
 * Two ways to find them:
 * - Key form, when the ON condition is a conjunction of equalities between an expression of L
 *   and one of R, plus predicates over one side only: matched(L) = σ_Lonly(L) ⋉ δ(keys of σ_Ronly(R)),
 *   a join with the distinct keys of R, so each row of L appears once per its own multiplicity.
 *   A NULL key never equals anything (join semantics), so rows with NULL keys stay unmatched,
 *   as SQL requires.
 * - General form, for any other condition: matched(L) = L ⋉ δ(π_L(L ⋈ R)), the semijoin with the
 *   distinct L rows that found a partner, on every column of L. Columns that may be NULL are
 *   compared null-safely (on `is_null(c)` and `coalesce(c, zero)`) because identical rows must
 *   match even where they hold NULLs.
 * `pad` appends typed NULLs for the other side's columns. This file builds plans only.
 */
import type { Expr, Plan } from '../../../protocol/compute/plan.js';
import { columnsOf, conjuncts, shift } from './exprs.js';
import { filter, project, range, zeroOf, type ColType } from './rel.js';

export type OuterKind = 'left' | 'right' | 'full';

interface Side {
  plan: Plan;
  cols: ColType[];
}

/** The plan of `left <kind> JOIN right ON on` (output: left's columns, then right's). */
export function outerJoin(left: Side, right: Side, on: Expr | undefined, kind: OuterKind): Plan {
  const nl = left.cols.length;
  const nr = right.cols.length;
  const preds = on ? conjuncts(on) : [];
  const inner: Plan = filter({ op: 'join', inputs: [left.plan, right.plan], equivalences: [] }, preds);

  // Classify the conjuncts of ON relative to the two sides.
  const keysL: Expr[] = [];
  const keysR: Expr[] = [];
  const onlyL: Expr[] = [];
  const onlyR: Expr[] = [];
  const rest: Expr[] = [];
  const side = (e: Expr): 'L' | 'R' | 'none' | 'both' => {
    const cols = [...columnsOf(e)];
    if (cols.length === 0) return 'none';
    if (cols.every((c) => c < nl)) return 'L';
    if (cols.every((c) => c >= nl)) return 'R';
    return 'both';
  };
  for (const p of preds) {
    const s = side(p);
    if (p.op === 'call' && p.fn === '=' && s === 'both') {
      const [a, b] = p.args as [Expr, Expr];
      const sa = side(a);
      const sb = side(b);
      if (sa === 'L' && sb === 'R') {
        keysL.push(a);
        keysR.push(shift(b, -nl));
        continue;
      }
      if (sa === 'R' && sb === 'L') {
        keysL.push(b);
        keysR.push(shift(a, -nl));
        continue;
      }
    }
    if (s === 'L') onlyL.push(p);
    else if (s === 'R') onlyR.push(shift(p, -nl));
    else if (s === 'none') (onlyL.push(p), onlyR.push(p));
    else rest.push(p);
  }
  const keyForm = rest.length === 0;

  const unmatchedLeft = (): Plan => {
    const semi = keyForm
      ? keySemijoin(left, onlyL, keysL, right, onlyR, keysR)
      : nullSafeSemijoin(left, { op: 'distinct', input: project(inner, nl + nr, range(0, nl)) });
    return { op: 'union', inputs: [left.plan, { op: 'negate', input: semi }] };
  };
  const unmatchedRight = (): Plan => {
    const semi = keyForm
      ? keySemijoin(right, onlyR, keysR, left, onlyL, keysL)
      : nullSafeSemijoin(right, { op: 'distinct', input: project(inner, nl + nr, range(nl, nl + nr)) });
    return { op: 'union', inputs: [right.plan, { op: 'negate', input: semi }] };
  };

  const inputs: Plan[] = [inner];
  if (kind === 'left' || kind === 'full') {
    inputs.push({ op: 'map', input: unmatchedLeft(), exprs: nulls(right.cols) });
  }
  if (kind === 'right' || kind === 'full') {
    const padded: Plan = { op: 'map', input: unmatchedRight(), exprs: nulls(left.cols) };
    inputs.push(project(padded, nr + nl, [...range(nr, nr + nl), ...range(0, nr)]));
  }
  return { op: 'union', inputs };
}

function nulls(cols: ColType[]): Expr[] {
  return cols.map((c) => ({ op: 'lit', value: null, type: c.type }));
}

/** `plan` with `exprs` available as columns: the columns they name, or appended by a map. */
function withKeys(plan: Plan, arity: number, exprs: Expr[]): { plan: Plan; keys: number[] } {
  const mapped: Expr[] = [];
  const keys = exprs.map((e) => {
    if (e.op === 'col') return e.index;
    mapped.push(e);
    return arity + mapped.length - 1;
  });
  return { plan: mapped.length > 0 ? { op: 'map', input: plan, exprs: mapped } : plan, keys };
}

/**
 * The rows of `self` (satisfying `selfPreds`) whose `selfKeys` equal the `otherKeys` of some row
 * of `other` (satisfying `otherPreds`), each with its multiplicity in `self`; `self`'s columns.
 */
function keySemijoin(self: Side, selfPreds: Expr[], selfKeys: Expr[], other: Side, otherPreds: Expr[], otherKeys: Expr[]): Plan {
  const n = self.cols.length;
  const m = other.cols.length;
  const mine = withKeys(filter(self.plan, selfPreds), n, selfKeys);
  const theirs = withKeys(filter(other.plan, otherPreds), m, otherKeys);
  const theirArity = m + theirs.keys.filter((k) => k >= m).length;
  const distinctKeys: Plan = { op: 'distinct', input: project(theirs.plan, theirArity, theirs.keys) };
  const myArity = n + mine.keys.filter((k) => k >= n).length;
  const equivalences = mine.keys.map((k, i) => [k, myArity + i]);
  const joined: Plan = { op: 'join', inputs: [mine.plan, distinctKeys], equivalences };
  return project(joined, myArity + theirs.keys.length, range(0, n));
}

/**
 * The rows of `self` equal (null-safely, on every column) to a row of `matched`, a distinct
 * subset of `self`'s rows; each with its multiplicity in `self`.
 */
function nullSafeSemijoin(self: Side, matched: Plan): Plan {
  const n = self.cols.length;
  const extra: Expr[] = [];
  const pairs: Array<[number, number]> = [];
  self.cols.forEach((c, i) => {
    if (!c.nullable) {
      pairs.push([i, i]);
      return;
    }
    const col: Expr = { op: 'col', index: i };
    extra.push({ op: 'call', fn: 'is_null', args: [col] });
    extra.push({ op: 'call', fn: 'coalesce', args: [col, { op: 'lit', value: zeroOf(c.type), type: c.type }] });
    pairs.push([n + extra.length - 2, n + extra.length - 2], [n + extra.length - 1, n + extra.length - 1]);
  });
  const widen = (p: Plan): Plan => (extra.length > 0 ? { op: 'map', input: p, exprs: extra } : p);
  const width = n + extra.length;
  const joined: Plan = { op: 'join', inputs: [widen(self.plan), widen(matched)], equivalences: pairs.map(([a, b]) => [a, width + b]) };
  return project(joined, 2 * width, range(0, n));
}
