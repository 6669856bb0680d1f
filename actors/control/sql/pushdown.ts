/**
 * Predicate pushdown and join-key extraction, as rewrites that keep a plan's result exactly:
 * - a filter moves below map (inlining mapped expressions), project, union, negate, distinct and
 *   threshold, below reduce and topk when it reads only their group key;
 * - nested joins are flattened into one n-way join, lifting the filters between them;
 * - at a join, a predicate over one input goes to that input; an equality between expressions of
 *   two different inputs becomes a join equivalence (an expression that is not a plain column is
 *   first mapped onto its input), so the join is an equi-join instead of a filtered cross
 *   product (`=` rejects NULL exactly as a join equivalence does); the rest stays above;
 * - predicates are constant-folded: `true` disappears, `false` or NULL makes the relation empty.
 */
import { planArity, type Expr, type Plan } from '../../../protocol/compute/plan.js';
import { columnsOf, conjuncts, remap, shift, substitute } from './exprs.js';
import { foldExpr } from './fold.js';
import { filter, project, range } from './rel.js';

/** `plan` with every filter pushed as far down as it can go. */
export function pushdown(plan: Plan): Plan {
  return push(plan, []);
}

function empty(arity: number): Plan {
  return { op: 'constant', rows: [], arity };
}

/** A plan equal to `filter(plan, preds)`, with `preds` and the filters inside `plan` pushed down. */
function push(plan: Plan, preds: Expr[]): Plan {
  const folded: Expr[] = [];
  for (const p of preds.flatMap((x) => conjuncts(foldExpr(x, 'bool')))) {
    if (p.op === 'lit') {
      if (p.value === true) continue;
      return empty(planArity(plan));
    }
    folded.push(p);
  }
  preds = folded;
  switch (plan.op) {
    case 'get':
    case 'constant':
      return filter(plan, preds);
    case 'filter':
      return push(plan.input, [...plan.predicates, ...preds]);
    case 'map': {
      const n = planArity(plan.input);
      // Inline mapped expressions (each may read earlier ones).
      const inlined: Expr[] = [];
      for (const e of plan.exprs) inlined.push(substitute(e, (i) => (i < n ? { op: 'col', index: i } : inlined[i - n]!)));
      const below = preds.map((p) => substitute(p, (i) => (i < n ? { op: 'col', index: i } : inlined[i - n]!)));
      return { op: 'map', input: push(plan.input, below), exprs: plan.exprs };
    }
    case 'project':
      return { op: 'project', input: push(plan.input, preds.map((p) => remap(p, (i) => plan.columns[i]!))), columns: plan.columns };
    case 'union':
      return { op: 'union', inputs: plan.inputs.map((p) => push(p, preds)) };
    case 'negate':
    case 'distinct':
    case 'threshold':
      return { op: plan.op, input: push(plan.input, preds) };
    case 'fixpoint':
      // A filter over the result is not one over each round (rows it drops may derive rows it keeps): it stays above.
      return filter({ ...plan, inputs: plan.inputs.map((p) => push(p, [])) }, preds);
    case 'flat_map': {
      // A predicate over the input's columns keeps or drops the row before the function runs.
      const n = planArity(plan.input);
      const below = (p: Expr) => [...columnsOf(p)].every((c) => c < n);
      return filter({ ...plan, input: push(plan.input, preds.filter(below)) }, preds.filter((p) => !below(p)));
    }
    case 'temporal':
      // Both keep or drop rows one by one: the ordinary filter goes first (fewer rows scheduled).
      return { ...plan, input: push(plan.input, preds) };
    case 'reduce':
    case 'topk': {
      const k = plan.groupKey;
      const byKey = (p: Expr) => [...columnsOf(p)].every((c) => (plan.op === 'reduce' ? c < k.length : k.includes(c)));
      const down = preds.filter(byKey).map((p) => (plan.op === 'reduce' ? remap(p, (i) => k[i]!) : p));
      const stay = preds.filter((p) => !byKey(p));
      return filter({ ...plan, input: push(plan.input, down) }, stay);
    }
    case 'window': {
      // A predicate over partition columns only keeps or drops whole partitions: it goes below.
      const k = plan.partitionBy;
      const byKey = (p: Expr) => [...columnsOf(p)].every((c) => k.includes(c));
      const down = preds.filter(byKey);
      return filter({ ...plan, input: push(plan.input, down) }, preds.filter((p) => !byKey(p)));
    }
    case 'join':
      return pushJoin(plan, preds);
  }
}

function pushJoin(join: Extract<Plan, { op: 'join' }>, preds: Expr[]): Plan {
  // Flatten nested joins and lift the filters on the inputs, so every predicate is seen here.
  const inputs: Plan[] = [];
  const equivalences: number[][] = [];
  const flatten = (plans: Plan[], eqs: number[][], base: number, lifted: Expr[]): void => {
    let offset = base;
    for (let p of plans) {
      const arity = planArity(p);
      while (p.op === 'filter') {
        lifted.push(...p.predicates.map((x) => shift(x, offset)));
        p = p.input;
      }
      if (p.op === 'join') {
        flatten(p.inputs, p.equivalences, offset, lifted);
      } else {
        inputs.push(p);
      }
      offset += arity;
    }
    equivalences.push(...eqs.map((cls) => cls.map((c) => c + base)));
  };
  const lifted: Expr[] = [];
  flatten(join.inputs, join.equivalences, 0, lifted);
  const all = [...lifted, ...preds];

  const arities = inputs.map(planArity);
  const offsets: number[] = [];
  arities.reduce((o, a, i) => ((offsets[i] = o), o + a), 0);
  const total = arities.reduce((a, b) => a + b, 0);
  const inputOf = (c: number) => {
    let i = 0;
    while (i + 1 < offsets.length && offsets[i + 1]! <= c) i++;
    return i;
  };
  /** The single input an expression reads, 'none' if it reads no column, undefined if several. */
  const home = (e: Expr): number | 'none' | undefined => {
    const cols = [...columnsOf(e)];
    if (cols.length === 0) return 'none';
    const first = inputOf(cols[0]!);
    return cols.every((c) => inputOf(c) === first) ? first : undefined;
  };

  const local: Expr[][] = inputs.map(() => []);
  const keyExprs: Expr[][] = inputs.map(() => []);
  const pairs: Array<[number, number]> = [];
  const residual: Expr[] = [];
  // A mapped key column is numbered past `total` until the final layout is known.
  const encoded: Array<{ input: number; k: number }> = [];
  /** The column of `e` on input `i`: itself if it is a column, else a new mapped key column. */
  const keyColumn = (e: Expr, i: number): number => {
    if (e.op === 'col') return e.index;
    keyExprs[i]!.push(shift(e, -offsets[i]!));
    encoded.push({ input: i, k: keyExprs[i]!.length - 1 });
    return total + encoded.length - 1;
  };
  for (const p of all) {
    const h = home(p);
    if (h === 'none') {
      if (inputs.length > 0) local[0]!.push(p);
      else residual.push(p);
      continue;
    }
    if (h !== undefined) {
      local[h]!.push(shift(p, -offsets[h]!));
      continue;
    }
    if (p.op === 'call' && p.fn === '=') {
      const [a, b] = p.args as [Expr, Expr];
      const ha = home(a);
      const hb = home(b);
      if (typeof ha === 'number' && typeof hb === 'number' && ha !== hb) {
        pairs.push([keyColumn(a, ha), keyColumn(b, hb)]);
        continue;
      }
    }
    residual.push(p);
  }

  // Final layout: each input's own columns, then its mapped key columns.
  const widths = inputs.map((_, i) => arities[i]! + keyExprs[i]!.length);
  const newOffsets: number[] = [];
  widths.reduce((o, w, i) => ((newOffsets[i] = o), o + w), 0);
  const relocate = (c: number): number => {
    if (c < total) {
      const i = inputOf(c);
      return newOffsets[i]! + (c - offsets[i]!);
    }
    const { input, k } = encoded[c - total]!;
    return newOffsets[input]! + arities[input]! + k;
  };
  const newInputs = inputs.map((p, i) => {
    const pushed = push(p, local[i]!);
    return keyExprs[i]!.length > 0 ? ({ op: 'map', input: pushed, exprs: keyExprs[i]! } as Plan) : pushed;
  });
  const classes = mergeClasses([...equivalences.map((cls) => cls.map(relocate)), ...pairs.map(([a, b]) => [relocate(a), relocate(b)])]);
  const joined: Plan = newInputs.length === 1 && classes.length === 0 ? newInputs[0]! : { op: 'join', inputs: newInputs, equivalences: classes };
  const width = widths.reduce((a, b) => a + b, 0);
  const restored = project(joined, width, range(0, total).map(relocate));
  return filter(restored, residual);
}

/** Merges overlapping equivalence classes (union-find), dropping singletons. */
function mergeClasses(classes: number[][]): number[][] {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const cls of classes) {
    for (const c of cls) if (!parent.has(c)) parent.set(c, c);
    for (const c of cls.slice(1)) {
      const a = find(cls[0]!);
      const b = find(c);
      if (a !== b) parent.set(b, a);
    }
  }
  const groups = new Map<number, number[]>();
  for (const c of parent.keys()) {
    const r = find(c);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(c);
  }
  return [...groups.values()].filter((g) => g.length > 1).map((g) => g.sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);
}
