/**
 * Name resolution: the columns a FROM clause makes visible, under which qualifiers, and which of
 * them `*` expands to. A column of a USING / NATURAL join is visible once, unqualified (the merged
 * column), while `l.k` and `r.k` still name each side's own column. Errors follow Postgres:
 * 42703 undefined column, 42702 ambiguous column, 42P01 missing FROM-clause entry.
 */
import { SqlState } from '../../../protocol/control/errors.js';
import type { Column, ColumnType } from '../../../protocol/types.js';
import type { PlanContext } from './context.js';

export interface ScopeColumn {
  name: string;
  /** The table name or alias that qualifies it (`t` in `t.x`); none for merged USING columns. */
  table?: string;
  /** The column of the relation's plan output. */
  index: number;
  type: ColumnType;
  nullable: boolean;
  /** Whether a bare `x` finds it (false for the two sides of a USING column). */
  unqualified: boolean;
}

export class Scope {
  constructor(
    readonly columns: ScopeColumn[],
    /** What a bare `*` expands to: indices into `columns`, in output order. */
    readonly star: number[] = columns.map((_, i) => i),
  ) {}

  static empty(): Scope {
    return new Scope([], []);
  }

  /** A relation's columns, all qualified by `table`, at plan columns 0..n-1. */
  static ofRelation(columns: Column[], table: string | undefined): Scope {
    const cols = columns.map((c, index) => ({ name: c.name, ...(table !== undefined ? { table } : {}), index, type: c.type, nullable: c.nullable, unqualified: true }));
    // Planner-made columns (select-srf.ts: a composite's fields, the select list's functions) are not in `*`.
    const hidden = (c: ScopeColumn) => c.name.includes('\u0001') || (c.table ?? '').startsWith('\u0001');
    return new Scope(cols, cols.flatMap((c, i) => (hidden(c) ? [] : [i])));
  }

  /** The columns of the left scope, then the right's with plan indices shifted by `offset`. */
  static concat(left: Scope, right: Scope, offset: number): Scope {
    const n = left.columns.length;
    return new Scope(
      [...left.columns, ...right.columns.map((c) => ({ ...c, index: c.index + offset }))],
      [...left.star, ...right.star.map((i) => i + n)],
    );
  }

  tables(): Set<string> {
    return new Set(this.columns.flatMap((c) => (c.table !== undefined ? [c.table] : [])));
  }

  /** Finds the column `fields` names (`x` or `t.x`; a schema or database prefix is ignored). */
  resolve(fields: string[], ctx: PlanContext, location?: number): ScopeColumn {
    const name = fields[fields.length - 1]!;
    if (fields.length === 1) {
      const found = this.columns.filter((c) => c.unqualified && c.name === name);
      if (found.length === 1) return found[0]!;
      if (found.length > 1) throw ctx.error(SqlState.AmbiguousColumn, `column reference "${name}" is ambiguous`, location, `qualify it with a table name, e.g. ${found[0]!.table ?? 't'}.${name}`);
      const qualifiedOnly = this.columns.filter((c) => c.name === name && c.table !== undefined);
      const hint = qualifiedOnly.length > 0 ? `perhaps you meant ${qualifiedOnly[0]!.table}.${name}` : undefined;
      throw ctx.error(SqlState.UndefinedColumn, `column "${name}" does not exist`, location, hint);
    }
    const table = fields[fields.length - 2]!;
    const ofTable = this.columns.filter((c) => c.table === table);
    if (ofTable.length === 0) {
      if (!this.tables().has(table)) throw ctx.error(SqlState.UndefinedTable, `missing FROM-clause entry for table "${table}"`, location);
    }
    const found = ofTable.filter((c) => c.name === name);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) throw ctx.error(SqlState.AmbiguousColumn, `column reference "${table}.${name}" is ambiguous`, location);
    throw ctx.error(SqlState.UndefinedColumn, `column ${table}.${name} does not exist`, location);
  }

  /** The columns `*` (no table) or `t.*` expands to. */
  expandStar(table: string | undefined, ctx: PlanContext, location?: number): ScopeColumn[] {
    if (table === undefined) return this.star.map((i) => this.columns[i]!);
    const cols = this.columns.filter((c) => c.table === table);
    if (cols.length === 0 && !this.tables().has(table)) throw ctx.error(SqlState.UndefinedTable, `missing FROM-clause entry for table "${table}"`, location);
    return cols;
  }

  /** The same columns, every one now qualified by `alias` only (a join or subquery alias). */
  requalify(alias: string): Scope {
    const cols = this.star.map((i) => ({ ...this.columns[i]!, table: alias, unqualified: true }));
    return new Scope(cols);
  }
}
