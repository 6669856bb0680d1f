/**
 * Small pure functions over the plan IR's scalar expressions: the columns an expression reads,
 * substituting or renumbering columns, splitting conjunctions, and a canonical key for comparing
 * expressions. Shared by the planner and the optimizer; no SQL knowledge here.
 */
import type { Expr } from '../../../protocol/compute/plan.js';
import type { PExpr } from './typed.js';

/** A canonical string for structural equality (property order does not matter). */
export function exprKey(e: Expr | PExpr): string {
  switch (e.op) {
    case 'col':
      return `#${e.index}`;
    case 'agg':
      return `agg${e.index}`;
    case 'win':
      return `win${e.index}`;
    case 'sub':
      return `sub${e.index}`;
    case 'lit':
      return `${JSON.stringify(e.value)}:${e.type}`;
    case 'call':
      return `${e.fn}(${e.args.map(exprKey).join(',')})`;
    case 'case':
      return `case(${e.whens.map((w) => `${exprKey(w.when)}=>${exprKey(w.then)}`).join(';')};else ${exprKey(e.else)})`;
  }
}

/** The columns `e` reads. */
export function columnsOf(e: Expr, into = new Set<number>()): Set<number> {
  switch (e.op) {
    case 'col':
      into.add(e.index);
      break;
    case 'lit':
      break;
    case 'call':
      for (const a of e.args) columnsOf(a, into);
      break;
    case 'case':
      for (const w of e.whens) (columnsOf(w.when, into), columnsOf(w.then, into));
      columnsOf(e.else, into);
      break;
  }
  return into;
}

/** Replaces every column reference `i` by `f(i)`. */
export function substitute(e: Expr, f: (index: number) => Expr): Expr {
  switch (e.op) {
    case 'col':
      return f(e.index);
    case 'lit':
      return e;
    case 'call':
      return { op: 'call', fn: e.fn, args: e.args.map((a) => substitute(a, f)) };
    case 'case':
      return { op: 'case', whens: e.whens.map((w) => ({ when: substitute(w.when, f), then: substitute(w.then, f) })), else: substitute(e.else, f) };
  }
}

/** Renumbers columns through `map` (old index -> new index); every read column must be mapped. */
export function remap(e: Expr, map: (index: number) => number): Expr {
  return substitute(e, (i) => ({ op: 'col', index: map(i) }));
}

/** Adds `delta` to every column index. */
export function shift(e: Expr, delta: number): Expr {
  return delta === 0 ? e : remap(e, (i) => i + delta);
}

/** The conjuncts of an AND tree (a single predicate is its own only conjunct). */
export function conjuncts(e: Expr): Expr[] {
  return e.op === 'call' && e.fn === 'and' ? e.args.flatMap(conjuncts) : [e];
}

/** AND of the predicates (true when there are none). */
export function conjunction(preds: Expr[]): Expr {
  if (preds.length === 0) return { op: 'lit', value: true, type: 'bool' };
  if (preds.length === 1) return preds[0]!;
  return { op: 'call', fn: 'and', args: preds };
}

/** The IR expression of a planned expression that references no aggregate. */
export function toExpr(e: PExpr): Expr {
  switch (e.op) {
    case 'agg':
      throw new Error('internal: aggregate reference outside a grouped context');
    case 'win':
      // Resolved to its window node's column by the SELECT that owns it (sql/window.ts).
      return e as unknown as Expr;
    case 'sub':
      // Resolved to the columns of its joined subquery by the SELECT that owns it (sql/subquery.ts).
      return e as unknown as Expr;
    case 'col':
    case 'lit':
      return e;
    case 'call':
      return { op: 'call', fn: e.fn, args: e.args.map(toExpr) };
    case 'case':
      return { op: 'case', whens: e.whens.map((w) => ({ when: toExpr(w.when), then: toExpr(w.then) })), else: toExpr(e.else) };
  }
}
