/**
 * Plans of prepared SELECTs reused across bound values (pgwire's extended protocol). The SQL
 * layer has no parameters: Bind writes each value into the text as a literal, so every new key of
 * `SELECT v FROM t WHERE k = $1` was a new text, a plan-cache miss, and a parse and plan
 * (≈ 250 µs measured, docs/pgwire.md). Here a statement's plan is kept as a **template** keyed by
 * the text with its `$n`, and a Bind fills the template's parameter literals in instead.
 *
 * A template is only made when it is sure to equal what the planner would make for any value:
 * - every `$n` in the text stands alone on one side of an `=` whose other side is a column
 *   (`k = $1`, `$2 = t.x`), so the value is only ever compared with a column, never folded or
 *   used by the planner (LIMIT, a function, a cast, the select list: no template);
 * - the statement is planned twice, with the bound values and with other values ("probes"), and
 *   the two plans must be the same but for literals, each of which differs between the two, and
 *   equals, in both, the value this module computes for one parameter (as the planner types an
 *   unknown literal: `parseLiteral` with the column's type), with as many such literals per
 *   parameter as the text has `$n` for it (none folded away, none duplicated);
 * - a value NULL, or one this module cannot type the planner's way, is planned as before;
 * - the pre-parser leaves the text alone (no AS OF, IN CLUSTER or definite statement), so a
 *   statement served from its template skips the pre-parser too (bound values are literals: they
 *   cannot add an AS OF).
 * A template is valid for one catalog generation, as the plan cache's entries. Statements that
 * cannot have one are remembered (per generation) so they are not tried again.
 */
import type { Node } from 'libpg-query';
import type { Plan } from '../../protocol/compute/plan.js';
import type { ColumnType, Value } from '../../protocol/types.js';
import type { ControlDeps } from './deps.js';
import type { PreparedSelect } from './plan-cache.js';
import { keyLookup } from './key-lookup.js';
import { parseStatements, preparse } from './sql/index.js';
import { PlanContext } from './sql/context.js';
import { parseLiteral } from './sql/literals.js';
import { substituteParameters as substitute } from './pgwire/parameters.js';

/** A statement's text with `$n` and the values bound to it, as SQL literals (pgwire/parameters.ts). */
export interface BoundParameters {
  template: string;
  literals: string[];
}

type Lit = { op: 'lit'; value: Value; type: ColumnType };

interface Template {
  generation: number;
  prepared: PreparedSelect;
  /** The template plan's parameter literals (by identity) and the parameter (0-based) each takes. */
  slots: Map<object, number>;
}

type Entry = Template | { generation: number; none: true };

const ENTRIES = 512;

/** Templates by statement text, least recently used dropped first. */
export class ParamPlanCache {
  private readonly entries = new Map<string, Entry>();

  get(template: string, generation: number): Entry | undefined {
    const e = this.entries.get(template);
    if (!e) return undefined;
    this.entries.delete(template);
    if (e.generation !== generation) return undefined;
    this.entries.set(template, e);
    return e;
  }

  set(template: string, entry: Entry): void {
    this.entries.delete(template);
    this.entries.set(template, entry);
    if (this.entries.size > ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }
}

const caches = new WeakMap<object, ParamPlanCache>();

/** The coordinator's template cache (one per plan cache, so per coordinator). */
function cacheOf(deps: ControlDeps): ParamPlanCache {
  let c = caches.get(deps.plans);
  if (!c) caches.set(deps.plans, (c = new ParamPlanCache()));
  return c;
}

/**
 * The bound statement's PreparedSelect from its template, or undefined: no template (yet), a
 * NULL or untypable value; then the caller plans the text as before. `plan(text)` plans a SELECT
 * text without caching it (undefined for anything but a SELECT); it is used to make the template.
 */
export function boundSelect(deps: ControlDeps, bound: BoundParameters, text: string, plan: (text: string) => PreparedSelect | undefined): PreparedSelect | undefined {
  if (bound.literals.length === 0 || bound.literals.some((l) => l === 'NULL')) return undefined;
  const generation = deps.catalog.generation;
  const cache = cacheOf(deps);
  const entry = cache.get(bound.template, generation);
  if (entry && 'none' in entry) return undefined;
  if (entry) return bind(entry, bound.literals);
  const made = makeTemplate(bound, text, plan, generation);
  // The bound values themselves did not plan (an error the caller reports): try again next time.
  if (made === 'retry') return undefined;
  cache.set(bound.template, made ?? { generation, none: true });
  return made ? bind(made, bound.literals) : undefined;
}

/** A template; undefined when the statement cannot have one; 'retry' when these values do not plan. */
function makeTemplate(bound: BoundParameters, text: string, plan: (text: string) => PreparedSelect | undefined, generation: number): Template | undefined | 'retry' {
  const uses = parameterUses(bound.template);
  if (!uses) return undefined;
  const probes = bound.literals.map((l, i) => probeOf(l, i));
  if (probes.some((p) => p === undefined)) return undefined;
  let first: PreparedSelect | undefined;
  let second: PreparedSelect | undefined;
  try {
    first = plan(text);
  } catch {
    return 'retry';
  }
  try {
    second = plan(substitute(bound.template, probes as string[]));
  } catch {
    return undefined;
  }
  if (!first || !second) return undefined;
  const slots = new Map<object, number>();
  const ok = sameBut(
    { plan: first.plan, columns: first.columns, finishing: first.finishing, route: first.route, inputs: first.inputs },
    { plan: second.plan, columns: second.columns, finishing: second.finishing, route: second.route, inputs: second.inputs },
    (a, b) => {
      const candidates: number[] = [];
      for (let i = 0; i < bound.literals.length; i++) {
        if (same(valueOf(bound.literals[i]!, a.type), a.value) && same(valueOf(probes[i]!, a.type), b.value)) candidates.push(i);
      }
      if (candidates.length !== 1) return false;
      slots.set(a, candidates[0]!);
      return true;
    },
  );
  if (!ok) return undefined;
  const counts = new Array<number>(bound.literals.length).fill(0);
  for (const i of slots.values()) counts[i]!++;
  if (counts.some((n, i) => n !== (uses.get(i) ?? 0))) return undefined;
  return { generation, prepared: first, slots };
}

/** The template with `literals` in its slots: a new plan (the template is not changed) and its key lookup. */
function bind(t: Template, literals: string[]): PreparedSelect | undefined {
  let typable = true;
  const plan = rebuild(t.prepared.plan, (lit) => {
    const i = t.slots.get(lit);
    if (i === undefined) return undefined;
    const value = valueOf(literals[i]!, (lit as Lit).type);
    if (value === undefined) typable = false;
    return { ...(lit as Lit), value: value ?? null };
  }) as Plan;
  if (!typable) return undefined;
  const { lookup: _, ...rest } = t.prepared;
  const [only] = t.prepared.sources.values();
  const lookup = t.prepared.route === 'peek' && only && 'index' in only && only.index.keys ? keyLookup(plan, only.index.keys, only.index.keyTypes!) : undefined;
  return { ...rest, plan, ...(lookup ? { lookup } : {}) };
}

/**
 * How often each parameter (0-based) occurs in `template`, or undefined when one occurs anywhere
 * but alone on one side of `=` with a column on the other, or the text is not one statement.
 */
function parameterUses(template: string): Map<number, number> | undefined {
  let nodes: Node[];
  try {
    // One of definite's statements, or AS OF / IN CLUSTER (the pre-parser's): no template.
    if (preparse(template, 0)) return undefined;
    nodes = parseStatements(template, 0);
  } catch {
    return undefined;
  }
  if (nodes.length !== 1 || !('SelectStmt' in nodes[0]!)) return undefined;
  const uses = new Map<number, number>();
  let ok = true;
  /** `parent`: the A_Expr whose operand `x` is, if it is one. */
  const visit = (x: unknown, parent: Record<string, unknown> | undefined): void => {
    if (!ok || x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (const y of x) visit(y, undefined);
      return;
    }
    const o = x as Record<string, unknown>;
    if ('ParamRef' in o) {
      const n = (o['ParamRef'] as { number?: number }).number ?? 0;
      if (n < 1 || !parent || !isColumnEquality(parent, o)) ok = false;
      else uses.set(n - 1, (uses.get(n - 1) ?? 0) + 1);
      return;
    }
    if ('A_Expr' in o && Object.keys(o).length === 1) {
      const e = o['A_Expr'] as Record<string, unknown>;
      for (const [k, v] of Object.entries(e)) visit(v, k === 'lexpr' || k === 'rexpr' ? e : undefined);
      return;
    }
    for (const v of Object.values(o)) visit(v, undefined);
  };
  visit(nodes[0], undefined);
  return ok ? uses : undefined;
}

/** `expr` (an A_Expr) is `column = param` or `param = column`, with `param` one side. */
function isColumnEquality(expr: Record<string, unknown>, param: object): boolean {
  if (expr['kind'] !== 'AEXPR_OP') return false;
  const name = (expr['name'] as Array<{ String?: { sval?: string } }> | undefined) ?? [];
  if (name.length !== 1 || name[0]?.String?.sval !== '=') return false;
  const l = expr['lexpr'] as Record<string, unknown> | undefined;
  const r = expr['rexpr'] as Record<string, unknown> | undefined;
  return (l === param && r !== undefined && 'ColumnRef' in r) || (r === param && l !== undefined && 'ColumnRef' in l);
}

/** Another literal of the same kind as `literal`, whose value differs from it (and, by `i`, from the other probes). */
function probeOf(literal: string, i: number): string | undefined {
  const int = /^\(([+-]?[0-9]+)\)$/.exec(literal);
  if (int) return `(${BigInt(int[1]!) + BigInt(i + 1)})`;
  if (!literal.startsWith("'")) return undefined;
  const text = literal.slice(1, -1).replace(/''/g, "'").trim();
  if (/^[+-]?[0-9]+$/.test(text)) return `'${BigInt(text) + BigInt(i + 1)}'`;
  if (/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(text)) return `'${text}${i + 1}1'`;
  return `'${literal.slice(1, -1)}\u0001${i}'`;
}

const LITERAL_CTX = new PlanContext(undefined as never, undefined);

/**
 * The value the planner gives `literal` (a SQL literal of pgwire/parameters.ts) compared with a
 * column of `type`: a quoted string is an unknown literal read as the type (parseLiteral), an
 * integer is an int for an int column. Undefined: another kind, or a value the type refuses (the
 * statement is then planned as before, which reports the error).
 */
function valueOf(literal: string, type: ColumnType): Value | undefined {
  try {
    if (literal.startsWith("'")) return parseLiteral(literal.slice(1, -1).replace(/''/g, "'"), type, LITERAL_CTX);
    const int = /^\(([+-]?[0-9]+)\)$/.exec(literal);
    if (int && type === 'int') {
      const n = Number(int[1]);
      return Number.isSafeInteger(n) && n >= -2147483648 && n <= 2147483647 ? n : undefined;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

function same(a: Value | undefined, b: Value | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify(a) === JSON.stringify(b);
  return Object.is(a, b);
}

function isLit(x: unknown): x is Lit {
  return typeof x === 'object' && x !== null && (x as { op?: unknown }).op === 'lit' && 'value' in x;
}

/**
 * `a` and `b` are the same tree but for literals whose values differ, each of which `slot`
 * accepts. Maps are compared by their entries; functions are not expected in plans.
 */
function sameBut(a: unknown, b: unknown, slot: (a: Lit, b: Lit) => boolean): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (isLit(a) && isLit(b) && a.type === b.type && !same(a.value, b.value)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length || ka.some((k) => k !== 'value' && !sameBut((a as never)[k], (b as never)[k], slot))) return false;
    return slot(a, b);
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !sameBut(v, b.get(k), slot)) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !sameBut((a as never)[k], (b as never)[k], slot)) return false;
  return true;
}

/** A copy of `x` with each literal `swap` answers for replaced (objects without one shared). */
function rebuild(x: unknown, swap: (lit: object) => object | undefined): unknown {
  if (typeof x !== 'object' || x === null) return x;
  if (isLit(x)) return swap(x) ?? x;
  if (Array.isArray(x)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < x.length; i++) {
      const y = rebuild(x[i], swap);
      if (y !== x[i]) (out ??= x.slice())[i] = y;
    }
    return out ?? x;
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(x)) {
    const y = rebuild(v, swap);
    if (y !== v) (out ??= { ...(x as Record<string, unknown>) })[k] = y;
  }
  return out ?? x;
}
