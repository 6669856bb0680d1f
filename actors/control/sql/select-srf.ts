/**
 * Set-returning functions in the select list (`SELECT a, generate_series(1, n), unnest(arr) FROM
 * t`), as Postgres 10+ evaluates them: all of one select list in lockstep, as many rows per input
 * row as the longest, the shorter padded with NULLs, none when every one is empty. That is a
 * LATERAL `ROWS FROM (...)` (table-functions.ts' planZippedFunctions), so the SELECT is
 * rewritten: `SELECT a, s.c1, s.c2 FROM t, LATERAL ROWS FROM (generate_series(1, n),
 * unnest(arr)) s(c1, c2) WHERE ...`. WHERE does not see the functions' columns, so filtering
 * before or after the expansion is the same. `(f(...)).field` selects a field of a composite
 * result (information_schema._pg_expandarray's x and n, JDBC's getPrimaryKeys); a composite
 * result selected whole is carried as one hidden column per field (`name\u0001field`), read by
 * `(sub.name).field` (expr.ts). In a grouped or aggregating select list they are 0A000.
 */
import type { FuncCall, Node, SelectStmt } from 'libpg-query';
import { stringOf, type PlanContext } from './context.js';

const SET_RETURNING = new Set(['generate_series', 'unnest', '_pg_expandarray', 'jsonb_array_elements', 'jsonb_array_elements_text', 'jsonb_object_keys']);
const COMPOSITE_FIELDS: Record<string, string[]> = { _pg_expandarray: ['x', 'n'] };
const AGGREGATES = new Set(['count', 'sum', 'min', 'max', 'avg', 'bool_and', 'bool_or', 'every', 'string_agg', 'array_agg', 'jsonb_agg', 'jsonb_object_agg', 'variance', 'var_samp', 'var_pop', 'stddev', 'stddev_samp', 'stddev_pop']);

/** The separator of a composite column's hidden field columns. */
export const FIELD_SEPARATOR = '\u0001';

const SRF_ALIAS = '\u0001srf';

function funcName(f: FuncCall): string | undefined {
  const names = (f.funcname ?? []).map((n) => stringOf(n));
  return names[names.length - 1];
}

function isSrf(n: Node): n is { FuncCall: FuncCall } {
  return 'FuncCall' in n && SET_RETURNING.has(funcName(n.FuncCall) ?? '') && !n.FuncCall.over;
}

function walk(n: unknown, visit: (node: Node) => boolean): void {
  if (n === null || typeof n !== 'object') return;
  if (Array.isArray(n)) return n.forEach((x) => walk(x, visit));
  const keys = Object.keys(n);
  if (keys.length === 1 && /^[A-Z]/.test(keys[0]!) && typeof (n as Record<string, unknown>)[keys[0]!] === 'object') {
    if (!visit(n as Node)) return;
  }
  for (const v of Object.values(n)) walk(v, visit);
}

/** The SELECT with its select list's set-returning functions moved into a LATERAL ROWS FROM; undefined when it has none. */
export function rewriteSelectListFunctions(stmt: SelectStmt, ctx: PlanContext): SelectStmt | undefined {
  const targets = stmt.targetList ?? [];
  let found = false;
  walk(targets, (n) => {
    if (isSrf(n)) found = true;
    if ('SubLink' in n) return false;
    return true;
  });
  if (!found) return undefined;
  if (stmt.groupClause?.length || stmt.havingClause) throw ctx.unsupported('set-returning functions in the select list of a grouped query', undefined, 'move the function into a LATERAL FROM item');
  let aggregated = false;
  walk(targets, (n) => {
    if ('FuncCall' in n && (AGGREGATES.has(funcName(n.FuncCall) ?? '') || n.FuncCall.over)) aggregated = true;
    return !('SubLink' in n);
  });
  if (aggregated) throw ctx.unsupported('set-returning functions beside aggregates or window functions in the select list', undefined, 'move the function into a LATERAL FROM item');
  const calls: FuncCall[] = [];
  const columns: string[] = [];
  const ref = (name: string): Node => ({ ColumnRef: { fields: [{ String: { sval: SRF_ALIAS } }, { String: { sval: name } }] } });
  /** The call's columns (one per field of a composite). */
  const add = (f: FuncCall): string[] => {
    f.args?.forEach((a) => walk(a, (n) => {
      if (isSrf(n)) throw ctx.unsupported('a set-returning function inside the arguments of another', n.FuncCall.location);
      return true;
    }));
    const i = calls.push(f) - 1;
    const fields = COMPOSITE_FIELDS[funcName(f)!];
    const names = fields ? fields.map((x) => `f${i}${FIELD_SEPARATOR}${x}`) : [`f${i}`];
    columns.push(...names);
    return names;
  };
  const replace = (n: Node): Node => {
    if ('SubLink' in n) return n;
    if ('A_Indirection' in n && n.A_Indirection.arg && isSrf(n.A_Indirection.arg)) {
      const f = n.A_Indirection.arg.FuncCall;
      const fields = COMPOSITE_FIELDS[funcName(f)!];
      const sel = n.A_Indirection.indirection ?? [];
      const field = sel.length === 1 ? stringOf(sel[0]) : undefined;
      if (fields && field !== undefined) {
        if (!fields.includes(field)) throw ctx.error('42703', `column "${field}" not found in data type record`, f.location);
        const names = add(f);
        return ref(names[fields.indexOf(field)]!);
      }
    }
    if (isSrf(n)) {
      const names = add(n.FuncCall);
      if (names.length > 1) return { ColumnRef: { fields: [{ String: { sval: SRF_ALIAS } }, { String: { sval: `f${calls.length - 1}` } }] }, composite: names } as unknown as Node;
      return ref(names[0]!);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n)) out[k] = deep(v);
    return out as Node;
  };
  const deep = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(deep);
    const keys = Object.keys(v);
    if (keys.length === 1 && /^[A-Z]/.test(keys[0]!)) return replace(v as Node);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = deep(x);
    return out;
  };
  const targetList: Node[] = [];
  for (const t of targets) {
    if (!('ResTarget' in t) || !t.ResTarget.val) {
      targetList.push(t);
      continue;
    }
    const rt = t.ResTarget;
    const val = rt.val!;
    const name = rt.name ?? (isSrf(val) ? funcName(val.FuncCall) : 'A_Indirection' in val && val.A_Indirection.arg && isSrf(val.A_Indirection.arg) ? stringOf((val.A_Indirection.indirection ?? [])[0]) : undefined);
    const replaced = replace(val) as Node & { composite?: string[] };
    if (replaced.composite) {
      // A composite selected whole: one hidden column per field.
      for (const c of replaced.composite) {
        const field = c.split(FIELD_SEPARATOR)[1]!;
        targetList.push({ ResTarget: { ...rt, name: `${name ?? '?column?'}${FIELD_SEPARATOR}${field}`, val: ref(c) } });
      }
      continue;
    }
    targetList.push({ ResTarget: { ...rt, ...(name !== undefined ? { name } : {}), val: replaced } });
  }
  const rowsFrom: Node = {
    RangeFunction: {
      lateral: true,
      is_rowsfrom: true,
      functions: calls.map((f): Node => ({ List: { items: [{ FuncCall: f }] } })),
      alias: { aliasname: SRF_ALIAS, colnames: columns.map((sval) => ({ String: { sval } })) },
    },
  };
  return { ...stmt, targetList, fromClause: [...(stmt.fromClause ?? []), rowsFrom] };
}
