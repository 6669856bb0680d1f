/**
 * Casts to Postgres' object identifier types `regclass`, `regtype` and `regnamespace`
 * (`c.oid::pg_catalog.regclass`, `'foo'::regclass`). definite has no such types: a cast is a
 * lookup in the system relation the type names (pg_class, pg_type, pg_namespace), as of
 * planning, in the direction the query needs:
 * - an oid (an integer) becomes the object's name as text, what Postgres prints for the reg
 *   value (quoted when it needs quotes; an unknown oid prints as its number, as Postgres does);
 * - a text constant (a name, `schema.name`, or an oid's digits) becomes the object's oid, an
 *   int (42P01 / 42704 / 3F000 for a name that names nothing, as Postgres).
 * A cast of a non-constant text is 0A000. These casts need the system relations: in a view or
 * a write (no system catalog) they are 42883, like the catalog functions.
 */
import type { Expr } from '../../../protocol/compute/plan.js';
import { SqlState } from '../../../protocol/control/errors.js';
import type { Value } from '../../../protocol/types.js';
import { MoreSqlState, type PlanContext } from './context.js';
import { NAMESPACE, PG_TYPES } from './pg-catalog.js';
import { lookup, oidArg, systemRows } from './pg-functions.js';
import { lit, type Typed } from './typed.js';

export type RegType = 'regclass' | 'regtype' | 'regnamespace';
const REG_TYPES: readonly string[] = ['regclass', 'regtype', 'regnamespace'];

/** The reg type a cast's type name (`regclass`, `pg_catalog.regtype`, ...) denotes, if any. */
export function regTypeOf(names: string[]): RegType | undefined {
  const name = names[names.length - 1]?.toLowerCase() ?? '';
  if (names.length > 2 || (names.length === 2 && names[0] !== 'pg_catalog')) return undefined;
  return REG_TYPES.includes(name) ? (name as RegType) : undefined;
}

/** An object of a reg type: its oid, its name, and its namespace (undefined for types' aliases). */
interface Named {
  oid: number;
  name: string;
  namespace: number;
}

function objectsOf(kind: RegType, ctx: PlanContext, location: number | undefined): Named[] {
  const fn = `a cast to ${kind}`;
  if (kind === 'regclass') {
    const { rows, column } = systemRows(ctx, 'pg_class', fn, location);
    const [o, n, ns] = [column('oid'), column('relname'), column('relnamespace')];
    return rows.map((r) => ({ oid: r[o] as number, name: r[n] as string, namespace: r[ns] as number }));
  }
  if (kind === 'regnamespace') {
    const { rows, column } = systemRows(ctx, 'pg_namespace', fn, location);
    const [o, n] = [column('oid'), column('nspname')];
    return rows.map((r) => ({ oid: r[o] as number, name: r[n] as string, namespace: 0 }));
  }
  systemRows(ctx, 'pg_type', fn, location);
  return PG_TYPES.map((t) => ({ oid: t.oid, name: t.sqlName, namespace: NAMESPACE.pg_catalog }));
}

/** `name` as Postgres' quote_ident writes it (reserved words aside). */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** The cast of `t` to the reg type `kind`. */
export function planRegCast(t: Typed, kind: RegType, ctx: PlanContext, location: number | undefined): Typed {
  const objects = objectsOf(kind, ctx, location);
  const text = t.unknownText ?? (t.type === 'text' && t.expr.op === 'lit' ? (t.expr.value as string | null) : undefined);
  if (t.type === 'text' || text !== undefined) {
    if (text === undefined) throw ctx.unsupported(`a cast of a non-constant text to ${kind}`, location, 'cast an oid instead');
    const oid = text === null ? null : oidOfName(text, kind, objects, ctx, location);
    return { expr: lit(oid, 'int'), type: 'int', nullable: oid === null, name: t.name === '?column?' ? kind : t.name };
  }
  if (t.type === null) return { expr: lit(null, 'text'), type: 'text', nullable: true, name: kind };
  const oid = oidArg(t, () => {
    throw ctx.error(MoreSqlState.CannotCoerce, `cannot cast type ${t.type} to ${kind}`, location);
  }, ctx, location);
  const unknown: Expr = { op: 'call', fn: 'to_text', args: [oid.expr as Expr] };
  const pairs: Array<[Value, Value]> = objects.map((o) => [o.oid, kind === 'regtype' ? o.name : quoteIdent(o.name)]);
  const out = lookup(oid, pairs, unknown, 'text', t.name === '?column?' ? kind : t.name);
  return { ...out, nullable: t.nullable };
}

/** The oid a reg type's text input names (digits are an oid as they are). */
function oidOfName(text: string, kind: RegType, objects: Named[], ctx: PlanContext, location: number | undefined): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (kind === 'regtype') {
    const lower = trimmed.toLowerCase().replace(/^pg_catalog\./, '');
    const t = PG_TYPES.find((p) => p.typname === lower || p.sqlName === lower);
    if (!t) throw ctx.error(SqlState.UndefinedObject, `type "${trimmed}" does not exist`, location);
    return t.oid;
  }
  const parts = identifiers(trimmed);
  if (!parts || parts.length === 0 || parts.length > (kind === 'regclass' ? 2 : 1)) {
    throw ctx.error(MoreSqlState.InvalidName, 'invalid name syntax', location);
  }
  if (kind === 'regnamespace') {
    const found = objects.find((o) => o.name === parts[0]);
    if (!found) throw ctx.error(MoreSqlState.InvalidSchemaName, `schema "${parts[0]}" does not exist`, location);
    return found.oid;
  }
  const [schema, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, parts[0]!];
  const search = schema === undefined ? [NAMESPACE.pg_catalog, NAMESPACE.public] : [(NAMESPACE as Record<string, number>)[schema]];
  for (const ns of search) {
    const found = objects.find((o) => o.namespace === ns && o.name === name);
    if (found) return found.oid;
  }
  throw ctx.error(SqlState.UndefinedTable, `relation "${trimmed}" does not exist`, location);
}

/** A dotted name's identifiers: unquoted ones folded to lower case, "quoted" ones as written. */
function identifiers(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let id = '';
      for (i++; ; i++) {
        if (i >= text.length) return undefined;
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            id += '"';
            i++;
          } else break;
        } else id += text[i];
      }
      i++;
      out.push(id);
    } else {
      const m = /^[^."]+/.exec(text.slice(i));
      if (!m) return undefined;
      out.push(m[0].trim().toLowerCase());
      i += m[0].length;
    }
    if (i === text.length) return out;
    if (text[i] !== '.') return undefined;
    i++;
  }
}
