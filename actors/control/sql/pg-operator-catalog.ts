/**
 * The rows of pg_operator and pg_cast, derived from what definite's planner accepts, not listed
 * by hand: an operator `L op R` is listed when planning `a op b` over columns of types L and R
 * succeeds (its result type is the planned expression's), a cast `S -> T` when castTo of a column
 * of type S to T does. Operand pairs of two numeric types one of which widens implicitly to the
 * other are left out (Postgres resolves those through its implicit casts, as definite does).
 * Computed once per process (the planner's rules do not change at run time). Oids: operators
 * from 14000 (Postgres' own fixed oids are not reproduced), castfunc / oprcode 0 (definite's
 * conversions are no pg_proc functions).
 */
import { parseSync, type Node } from 'libpg-query';
import type { ColumnType, Value } from '../../../protocol/types.js';
import { castTo } from './casts.js';
import { PlanContext } from './context.js';
import { planExpr } from './expr.js';
import { NAMESPACE, OWNER_OID, PG_TYPES } from './pg-catalog.js';
import { Scope } from './scope.js';
import { implicitlyConverts, isNumeric, type Typed } from './typed.js';

/** Binary operators by Postgres' oprname, with the SQL definite plans for them. */
const BINARY: Array<[string, string]> = [
  ...['+', '-', '*', '/', '%', '^', '=', '<>', '<', '<=', '>', '>=', '||', '~', '~*', '!~', '!~*', '&', '|', '#', '<<', '>>', '@>', '<@', '&&', '->', '->>', '#>', '#>>', '?', '?|', '?&'].map(
    (op): [string, string] => [op, `a ${op} b`],
  ),
  ['~~', 'a LIKE b'], ['!~~', 'a NOT LIKE b'], ['~~*', 'a ILIKE b'], ['!~~*', 'a NOT ILIKE b'],
];
const PREFIX = ['-', '+', '~'];

function typesOf(): Array<{ oid: number; of: ColumnType }> {
  return PG_TYPES.filter((t) => t.of !== undefined).map((t) => ({ oid: t.oid, of: t.of! }));
}

function exprOf(sql: string): Node {
  const tree = parseSync(`SELECT ${sql}`) as { stmts: Array<{ stmt: { SelectStmt: { targetList: Array<{ ResTarget: { val: Node } }> } } }> };
  return tree.stmts[0]!.stmt.SelectStmt.targetList[0]!.ResTarget.val;
}

/** The result type of `node` over columns a: L and b: R, or undefined when definite refuses it. */
function resultOf(node: Node, left: ColumnType | undefined, right: ColumnType): ColumnType | undefined {
  const ctx = new PlanContext(() => undefined, undefined);
  const cols = [
    ...(left ? [{ name: 'a', index: 0, type: left, nullable: true, unqualified: true }] : []),
    { name: 'b', index: left ? 1 : 0, type: right, nullable: true, unqualified: true },
  ];
  try {
    return planExpr(node, { ctx, scope: new Scope(cols), clause: 'SELECT' }).type ?? undefined;
  } catch {
    return undefined;
  }
}

let operators: Value[][] | undefined;

/** pg_operator's rows (oid oprname oprnamespace oprowner oprkind oprcanmerge oprcanhash oprleft oprright oprresult oprcom oprnegate oprcode oprrest oprjoin). */
export function operatorRows(): Value[][] {
  if (operators) return operators;
  const types = typesOf();
  const oidOf = (t: ColumnType) => types.find((x) => x.of === t)?.oid ?? 0;
  const rows: Value[][] = [];
  const add = (name: string, kind: 'b' | 'l', left: number, right: number, result: ColumnType) =>
    rows.push([14000 + rows.length, name, NAMESPACE.pg_catalog, OWNER_OID, kind, false, false, left, right, oidOf(result), 0, 0, 0, 0, 0]);
  for (const [name, sql] of BINARY) {
    const node = exprOf(sql);
    for (const l of types) {
      for (const r of types) {
        const widened = l.of !== r.of && isNumeric(l.of) && isNumeric(r.of) && (implicitlyConverts(l.of, r.of) || implicitlyConverts(r.of, l.of));
        if (widened) continue;
        const result = resultOf(node, l.of, r.of);
        if (result) add(name, 'b', l.oid, r.oid, result);
      }
    }
  }
  for (const name of PREFIX) {
    const node = exprOf(`${name} b`);
    for (const r of types) {
      const result = resultOf(node, undefined, r.of);
      if (result) add(name, 'l', 0, r.oid, result);
    }
  }
  operators = rows;
  return rows;
}

let casts: Value[][] | undefined;

/**
 * pg_cast's rows (oid castsource casttarget castfunc castcontext castmethod): castcontext 'i' for
 * an implicit conversion, 'a' for one INSERT / UPDATE make (numbers to numbers), else 'e';
 * castmethod 'i' (through text) for casts to and from text, else 'f'.
 */
export function castRows(): Value[][] {
  if (casts) return casts;
  const types = typesOf();
  const rows: Value[][] = [];
  const ctx = new PlanContext(() => undefined, undefined);
  for (const s of types) {
    for (const t of types) {
      if (s.of === t.of) continue;
      const x: Typed = { expr: { op: 'col', index: 0 }, type: s.of, nullable: true, name: 'x' };
      try {
        castTo(x, t.of, ctx);
      } catch {
        continue;
      }
      const context = implicitlyConverts(s.of, t.of) ? 'i' : isNumeric(s.of) && isNumeric(t.of) ? 'a' : 'e';
      rows.push([15000 + rows.length, s.oid, t.oid, 0, context, s.of === 'text' || t.of === 'text' ? 'i' : 'f']);
    }
  }
  casts = rows;
  return rows;
}
