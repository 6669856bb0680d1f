/**
 * Postgres' catalog functions clients call while introspecting: pg_table_is_visible(oid),
 * pg_type_is_visible(oid), pg_operator_is_visible(oid), pg_function_is_visible(oid), pg_get_function_result(oid) &
 * pg_get_function_arguments(oid) (NULL: pg_proc lists none),
 * format_type(oid, typmod), pg_get_userbyid(oid), obj_description(oid[, catalog]), col_description(oid, int),
 * pg_get_viewdef(oid[, pretty]), pg_get_ruledef(oid[, pretty]) (NULL: no rules),
 * pg_relation_is_publishable(oid), pg_get_expr(tree, oid[, pretty]), pg_encoding_to_char(int),
 * array_to_string (of the arrays-as-text of the system relations), pg_size_pretty(bigint) and
 * pg_table_size & co. (NULL: definite reports no sizes). A lookup is planned as a CASE over
 * the rows of the system relation it reads (pg_class, pg_type, pg_roles, pg_description,
 * through the resolver) as of planning.
 * A function whose relation the resolver does not offer (a view's definition) is 42883.
 */
import type { Expr } from '../../../protocol/compute/plan.js';
import { SqlState } from '../../../protocol/control/errors.js';
import type { Value } from '../../../protocol/types.js';
import type { PlanContext } from './context.js';
import { NAMESPACE, PG_TYPES } from './pg-catalog.js';
import { coerce, implicitlyConverts, lit, type Typed } from './typed.js';
import { isIntegerType } from '../../../protocol/int-range.js';

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
    const [i, ns] = [column('oid'), column('relnamespace')];
    // The search path is pg_catalog and public, as Postgres' default: information_schema's
    // relations are not visible (psql's \dp lists none of them for PostgreSQL either).
    return lookup(oid, rows.map((r) => [r[i]!, r[ns] !== NAMESPACE.information_schema]), lit(false, 'bool') as Expr, 'bool', name);
  },
  // Every operator is in pg_catalog, on the search path: true for an operator of pg_operator.
  pg_operator_is_visible: (args, fail, ctx, loc, name) => {
    if (args.length !== 1) fail();
    const oid = oidArg(args[0]!, fail, ctx, loc);
    const { rows, column } = systemRows(ctx, 'pg_operator', name, loc);
    const i = column('oid');
    return lookup(oid, rows.map((r) => [r[i]!, true]), lit(false, 'bool') as Expr, 'bool', name);
  },
  // Every type is in pg_catalog, on the search path: true for a type of pg_type, false otherwise.
  pg_type_is_visible: (args, fail, ctx, loc, name) => {
    if (args.length !== 1) fail();
    const oid = oidArg(args[0]!, fail, ctx, loc);
    const { rows, column } = systemRows(ctx, 'pg_type', name, loc);
    const i = column('oid');
    return lookup(oid, rows.map((r) => [r[i]!, true]), lit(false, 'bool') as Expr, 'bool', name);
  },
  // pg_proc lists no functions (pg-catalog.ts): false, and NULL for their result and arguments, as
  // Postgres answers for an oid that is no function.
  pg_function_is_visible: (args, fail, ctx, loc, name) => {
    if (args.length !== 1) fail();
    const oid = oidArg(args[0]!, fail, ctx, loc);
    const { rows, column } = systemRows(ctx, 'pg_proc', name, loc);
    const i = column('oid');
    return lookup(oid, rows.map((r) => [r[i]!, true]), lit(false, 'bool') as Expr, 'bool', name);
  },
  ...Object.fromEntries(
    ['pg_get_function_result', 'pg_get_function_arguments', 'pg_get_function_identity_arguments', 'pg_get_function_sqlbody'].map((fn): [string, Builder] => [
      fn,
      (args, fail, ctx, loc, name) => {
        if (args.length !== 1) fail();
        oidArg(args[0]!, fail, ctx, loc);
        return { expr: lit(null, 'text'), type: 'text', nullable: true, name };
      },
    ]),
  ),
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
  pg_encoding_to_char: (args, fail, ctx, loc, name) => {
    if (args.length !== 1) fail();
    return lookup(oidArg(args[0]!, fail, ctx, loc), [[6, 'UTF8'], [0, 'SQL_ASCII']], lit('', 'text') as Expr, 'text', name);
  },
  // An index's definition as Postgres writes it: CREATE INDEX name ON public.table USING btree (a, b)
  // (definite's indexes are arrangements on columns; psql's \d shows what follows USING).
  pg_get_indexdef: (args, fail, ctx, loc, name) => {
    if (args.length !== 1 && args.length !== 3) fail();
    const oid = oidArg(args[0]!, fail, ctx, loc);
    if (args.length === 3) {
      oidArg(args[1]!, fail, ctx, loc);
      if (args[2]!.type !== null && args[2]!.type !== 'bool') fail();
    }
    const index = systemRows(ctx, 'pg_index', name, loc);
    const classes = systemRows(ctx, 'pg_class', name, loc);
    const attrs = systemRows(ctx, 'pg_attribute', name, loc);
    const relname = new Map(classes.rows.map((r) => [r[classes.column('oid')], String(r[classes.column('relname')])]));
    const attname = new Map(attrs.rows.map((r) => [`${String(r[attrs.column('attrelid')])}/${String(r[attrs.column('attnum')])}`, String(r[attrs.column('attname')])]));
    const quote = (id: string) => (/^[a-z_][a-z0-9_$]*$/.test(id) ? id : `"${id.replace(/"/g, '""')}"`);
    const pairs = index.rows.map((r): [Value, Value] => {
      const [ix, rel] = [r[index.column('indexrelid')]!, r[index.column('indrelid')]!];
      const keys = String(r[index.column('indkey')]).split(' ').filter((k) => k !== '').map((k) => quote(attname.get(`${String(rel)}/${k}`) ?? k));
      return [ix, `CREATE INDEX ${quote(relname.get(ix) ?? '')} ON public.${quote(relname.get(rel) ?? '')} USING btree (${keys.join(', ')})`];
    });
    return lookup(oid, pairs, lit(null, 'text') as Expr, 'text', name);
  },
  // A view's or materialized view's defining query (pg_views / pg_matviews), for psql's \d+.
  pg_get_viewdef: (args, fail, ctx, loc, name) => {
    if (args.length < 1 || args.length > 2) fail();
    if (args[1] && args[1].type !== null && args[1].type !== 'bool' && !isIntegerType(args[1].type)) fail();
    const oid = oidArg(args[0]!, fail, ctx, loc);
    const classes = systemRows(ctx, 'pg_class', name, loc);
    const definitions = new Map<Value, Value>();
    for (const [rel, col] of [['pg_views', 'viewname'], ['pg_matviews', 'matviewname']] as const) {
      const v = systemRows(ctx, rel, name, loc);
      for (const r of v.rows) definitions.set(r[v.column(col)]!, r[v.column('definition')]!);
    }
    const [o, n, k, ns] = [classes.column('oid'), classes.column('relname'), classes.column('relkind'), classes.column('relnamespace')];
    const pairs = classes.rows.filter((r) => (r[k] === 'v' || r[k] === 'm') && r[ns] === NAMESPACE.public && definitions.has(r[n]!)).map((r): [Value, Value] => [r[o]!, definitions.get(r[n]!)!]);
    return lookup(oid, pairs, lit(null, 'text') as Expr, 'text', name);
  },
  // definite lists no rules (pg_rewrite is empty): NULL, as for an oid that is none.
  pg_get_ruledef: (args, fail, ctx, loc, name) => {
    if (args.length < 1 || args.length > 2) fail();
    oidArg(args[0]!, fail, ctx, loc);
    return { expr: lit(null, 'text'), type: 'text', nullable: true, name };
  },
  // definite has no constraints (pg_constraint is empty): NULL, as for an oid that is none.
  pg_get_constraintdef: (args, fail, ctx, loc, name) => {
    if (args.length < 1 || args.length > 2) fail();
    oidArg(args[0]!, fail, ctx, loc);
    return { expr: lit(null, 'text'), type: 'text', nullable: true, name };
  },
  // definite has no extended statistics (pg_statistic_ext is empty): NULL, as Postgres answers
  // for an oid that is no statistics object.
  pg_get_statisticsobjdef_columns: (args, fail, ctx, loc, name) => {
    if (args.length !== 1) fail();
    oidArg(args[0]!, fail, ctx, loc);
    return { expr: lit(null, 'text'), type: 'text', nullable: true, name };
  },
  // The system columns still held as text ('{a,b}': pg_class.relacl, ...), NULL in every row now;
  // array_to_string of an array is arrays.ts'.
  array_to_string: (args, fail, ctx, loc, name) => {
    if (args.length < 2 || args.length > 3) fail();
    const [a, sep] = args.slice(0, 2).map((t) => {
      if (t.type !== null && t.type !== 'text') fail();
      return coerce(t, 'text', ctx, loc).expr as Expr;
    }) as [Expr, Expr];
    const inner: Expr = { op: 'call', fn: 'substr', args: [a, lit(2, 'int') as Expr, { op: 'call', fn: '-', args: [{ op: 'call', fn: 'length', args: [a] }, lit(2, 'int') as Expr] }] };
    return { expr: { op: 'call', fn: 'replace', args: [inner, lit(',', 'text') as Expr, sep] }, type: 'text', nullable: true, name };
  },
  // definite does not report relation sizes: NULL, as Postgres answers for an unknown relation.
  ...Object.fromEntries(
    ['pg_table_size', 'pg_relation_size', 'pg_total_relation_size', 'pg_indexes_size'].map((fn): [string, Builder] => [
      fn,
      (args, fail, ctx, loc, name) => {
        if (args.length < 1 || args.length > (fn === 'pg_relation_size' ? 2 : 1)) fail();
        oidArg(args[0]!, fail, ctx, loc);
        return { expr: lit(null, 'bigint'), type: 'bigint', nullable: true, name };
      },
    ]),
  ),
  pg_size_pretty: (args, fail, ctx, loc, name) => {
    if (args.length !== 1 || (args[0]!.type !== null && !isIntegerType(args[0]!.type))) fail();
    return { expr: sizePretty(coerce(args[0]!, 'bigint', ctx, loc).expr as Expr), type: 'text', nullable: args[0]!.nullable, name };
  },
  obj_description: (args, fail, ctx, loc, name) => {
    if (args.length < 1 || args.length > 2) fail();
    const oid = oidArg(args[0]!, fail, ctx, loc);
    const { rows, column } = systemRows(ctx, 'pg_description', name, loc);
    const [o, s, d] = [column('objoid'), column('objsubid'), column('description')];
    return lookup(oid, rows.filter((r) => r[s] === 0).map((r) => [r[o]!, r[d]!]), lit(null, 'text') as Expr, 'text', name);
  },
  /** col_description(table oid, column number): a column's comment from pg_description (objsubid = the column). */
  col_description: (args, fail, ctx, loc, name) => {
    if (args.length !== 2 || (args[1]!.type !== null && !isIntegerType(args[1]!.type))) fail();
    const oid = oidArg(args[0]!, fail, ctx, loc).expr as Expr;
    const column = coerce(args[1]!, 'int', ctx, loc).expr as Expr;
    const { rows, column: at } = systemRows(ctx, 'pg_description', name, loc);
    const [o, s, d] = [at('objoid'), at('objsubid'), at('description')];
    const eq = (x: Expr, v: Value): Expr => ({ op: 'call', fn: '=', args: [x, lit(v, 'int') as Expr] });
    const whens = rows.filter((r) => r[s] !== 0).map((r) => ({ when: { op: 'call' as const, fn: 'and' as const, args: [eq(oid, r[o]!), eq(column, r[s]!)] }, then: lit(r[d]!, 'text') as Expr }));
    const expr: Expr = whens.length === 0 ? (lit(null, 'text') as Expr) : { op: 'case', whens, else: lit(null, 'text') as Expr };
    return { expr, type: 'text', nullable: true, name };
  },
};

/**
 * Postgres 15's pg_size_pretty(bigint): bytes below 10 kB, then kB, MB, GB, TB below 20480 of
 * each (rounded half away from zero), else PB; each step divides, truncating, as Postgres does.
 */
function sizePretty(x: Expr): Expr {
  const c = (fn: 'div_int' | 'abs' | '<' | '+' | 'to_text' | '||', ...args: Expr[]): Expr => ({ op: 'call', fn, args });
  const int = (n: number) => lit(n, 'bigint') as Expr;
  const text = (s: string) => lit(s, 'text') as Expr;
  const halfRounded = (v: Expr): Expr => c('div_int', c('+', v, { op: 'case', whens: [{ when: c('<', v, int(0)), then: int(-1) }], else: int(1) }), int(2));
  const whens: Array<{ when: Expr; then: Expr }> = [{ when: c('<', c('abs', x), int(10 * 1024)), then: c('||', c('to_text', x), text(' bytes')) }];
  let v = c('div_int', x, int(512));
  for (const unit of ['kB', 'MB', 'GB', 'TB']) {
    whens.push({ when: c('<', c('abs', v), int(20 * 1024 - 1)), then: c('||', c('to_text', halfRounded(v)), text(` ${unit}`)) });
    v = c('div_int', v, int(1024));
  }
  return { op: 'case', whens, else: c('||', c('to_text', halfRounded(v)), text(' PB')) };
}
