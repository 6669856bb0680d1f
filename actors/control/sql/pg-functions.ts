/**
 * Postgres' catalog functions clients call while introspecting: pg_table_is_visible(oid),
 * format_type(oid, typmod), pg_get_userbyid(oid), obj_description(oid[, catalog]),
 * pg_relation_is_publishable(oid) and pg_get_expr(tree, oid[, pretty]). Each is
 * planned as a lookup in the system relation it reads (pg_class, pg_type, pg_roles,
 * pg_description, through the resolver), as of planning: a CASE over that relation's rows.
 * A function whose relation the resolver does not offer (a view's definition) is 42883.
 */
import type { Expr } from '../../../protocol/compute/plan.js';
import { SqlState } from '../../../protocol/control/errors.js';
import type { Value } from '../../../protocol/types.js';
import type { PlanContext } from './context.js';
import { NAMESPACE, PG_TYPES } from './pg-catalog.js';
import { coerce, implicitlyConverts, lit, type Typed } from './typed.js';

type Builder = (args: Typed[], fail: () => never, ctx: PlanContext, location: number | undefined, name: string) => Typed;

/** The rows of the system relation pg_catalog.`name` (42883 for `fn` when there is none). */
export function systemRows(ctx: PlanContext, name: string, fn: string, location: number | undefined): { rows: Value[][]; column: (c: string) => number } {
  const rel = ctx.resolver(name, 'pg_catalog');
  if (!rel || rel.kind !== 'constant') throw ctx.error(SqlState.UndefinedFunction, `function ${fn} is only available in a one-shot SELECT`, location);
  return { rows: rel.rows, column: (c) => rel.columns.findIndex((col) => col.name === c) };
}

export function oidArg(t: Typed, fail: () => never, ctx: PlanContext, location: number | undefined): Typed {
  if (t.type !== null && !implicitlyConverts(t.type, 'bigint')) fail();
  return coerce(t, t.type ?? 'int', ctx, location);
}

/** CASE WHEN key = k1 THEN v1 ... ELSE otherwise END, NULL for a NULL key. */
export function lookup(key: Typed, pairs: Array<[Value, Value]>, otherwise: Expr, type: 'text' | 'bool', name: string): Typed {
  const k = key.expr as Expr;
  const whens = pairs.map(([kv, v]) => ({ when: { op: 'call' as const, fn: '=' as const, args: [k, lit(kv, 'int') as Expr] }, then: lit(v, type) as Expr }));
  const expr: Expr = { op: 'case', whens: [{ when: { op: 'call', fn: 'is_null', args: [k] }, then: lit(null, type) as Expr }, ...whens], else: otherwise };
  return { expr, type, nullable: true, name };
}

export const PG_FUNCTIONS: Record<string, Builder> = {
  pg_table_is_visible: (args, fail, ctx, loc, name) => {
    if (args.length !== 1) fail();
    const oid = oidArg(args[0]!, fail, ctx, loc);
    const { rows, column } = systemRows(ctx, 'pg_class', name, loc);
    const i = column('oid');
    // Every relation is in pg_catalog, information_schema or public: all on the search path.
    return lookup(oid, rows.map((r) => [r[i]!, true]), lit(false, 'bool') as Expr, 'bool', name);
  },
  pg_get_userbyid: (args, fail, ctx, loc, name) => {
    if (args.length !== 1) fail();
    const oid = oidArg(args[0]!, fail, ctx, loc);
    const { rows, column } = systemRows(ctx, 'pg_roles', name, loc);
    const [o, n] = [column('oid'), column('rolname')];
    const unknown: Expr = { op: 'call', fn: 'concat', args: [lit('unknown (OID=', 'text') as Expr, { op: 'call', fn: 'to_text', args: [oid.expr as Expr] }, lit(')', 'text') as Expr] };
    return lookup(oid, rows.map((r) => [r[o]!, r[n]!]), unknown, 'text', name);
  },
  format_type: (args, fail, ctx, loc, name) => {
    if (args.length !== 2) fail();
    const oid = oidArg(args[0]!, fail, ctx, loc);
    oidArg(args[1]!, fail, ctx, loc);
    return lookup(oid, PG_TYPES.map((t) => [t.oid, t.sqlName]), lit('???', 'text') as Expr, 'text', name);
  },
  // The node-tree columns (pg_class.relpartbound, pg_attrdef.adbin, pg_policy.polqual, ...) are
  // NULL or in relations definite leaves empty: there is no tree to decompile, only NULL.
  pg_get_expr: (args, fail, ctx, loc, name) => {
    if (args.length < 2 || args.length > 3) fail();
    if (args[0]!.type !== null && args[0]!.type !== 'text') fail();
    oidArg(args[1]!, fail, ctx, loc);
    return { expr: lit(null, 'text'), type: 'text', nullable: true, name };
  },
  pg_relation_is_publishable: (args, fail, ctx, loc, name) => {
    if (args.length !== 1) fail();
    const oid = oidArg(args[0]!, fail, ctx, loc);
    const { rows, column } = systemRows(ctx, 'pg_class', name, loc);
    const [o, k, ns] = [column('oid'), column('relkind'), column('relnamespace')];
    // As Postgres: an ordinary table outside the system schemas; NULL for an unknown oid.
    return lookup(oid, rows.map((r) => [r[o]!, r[k] === 'r' && r[ns] === NAMESPACE.public]), lit(null, 'bool') as Expr, 'bool', name);
  },
  obj_description: (args, fail, ctx, loc, name) => {
    if (args.length < 1 || args.length > 2) fail();
    const oid = oidArg(args[0]!, fail, ctx, loc);
    const { rows, column } = systemRows(ctx, 'pg_description', name, loc);
    const [o, s, d] = [column('objoid'), column('objsubid'), column('description')];
    return lookup(oid, rows.filter((r) => r[s] === 0).map((r) => [r[o]!, r[d]!]), lit(null, 'text') as Expr, 'text', name);
  },
};
