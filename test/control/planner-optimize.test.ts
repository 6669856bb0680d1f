/**
 * The optimizer, by inspecting plans: predicates reach the join inputs they read, equalities
 * between inputs become join equivalences, nested joins flatten, unread columns and aggregates
 * disappear, constants fold. Results are checked too (the fixture's `query` also evaluates the
 * unoptimized plan and requires the same rows), and a seeded random workload of joins, filters
 * and aggregates checks that optimizing never changes a result.
 */
import type { Expr, Plan } from '../../protocol/compute/plan.js';
import { planQueryText } from '../../actors/control/sql/index.js';
import { bag, query, resolver, setup } from './planner-fixture.js';

beforeAll(setup);

/** Every node of a plan, depth first. */
function nodes(plan: Plan): Plan[] {
  const out: Plan[] = [plan];
  if ('input' in plan) out.push(...nodes(plan.input));
  if ('inputs' in plan) for (const p of plan.inputs) out.push(...nodes(p));
  return out;
}

function ofKind<K extends Plan['op']>(plan: Plan, op: K): Array<Extract<Plan, { op: K }>> {
  return nodes(plan).filter((n): n is Extract<Plan, { op: K }> => n.op === op);
}

function exprs(plan: Plan): Expr[] {
  return nodes(plan).flatMap((n) => (n.op === 'filter' ? n.predicates : n.op === 'map' ? n.exprs : []));
}

function reads(plan: Plan, name: string): boolean {
  return ofKind(plan, 'get').some((g) => g.name === name);
}

function mentions(e: Expr, fn: string): boolean {
  if (e.op === 'call') return e.fn === fn || e.args.some((a) => mentions(a, fn));
  if (e.op === 'case') return e.whens.some((w) => mentions(w.when, fn) || mentions(w.then, fn)) || mentions(e.else, fn);
  return false;
}

test('filters go to the join input they read; the equality becomes a join key', () => {
  const q = query('SELECT e.name, d.dname FROM emp e JOIN dept d ON e.dept = d.id WHERE d.budget > 100 AND e.active');
  expect(q.rows).toEqual([['ann', 'eng']]);
  const joins = ofKind(q.planned.plan, 'join');
  expect(joins).toHaveLength(1);
  const [join] = joins;
  expect(join!.equivalences).toHaveLength(1);
  expect(join!.equivalences[0]).toHaveLength(2);
  const [emp, dept] = join!.inputs as [Plan, Plan];
  expect(reads(emp, 'u1') && !reads(emp, 'u2')).toBe(true);
  expect(ofKind(emp, 'filter')).toHaveLength(1);
  expect(ofKind(dept, 'filter')).toHaveLength(1);
  expect(mentions(ofKind(dept, 'filter')[0]!.predicates[0]!, '>')).toBe(true);
  // nothing is left to filter above the join
  for (const f of ofKind(q.planned.plan, 'filter')) expect(ofKind(f.input, 'join')).toHaveLength(0);
});

test('a comma join with a WHERE equality is an equi-join, not a filtered cross product', () => {
  const q = query('SELECT e.name, d.dname FROM emp e, dept d WHERE e.dept = d.id');
  expect(q.rows).toHaveLength(3);
  expect(ofKind(q.planned.plan, 'join')[0]!.equivalences).toHaveLength(1);
  expect(ofKind(q.planned.plan, 'filter')).toHaveLength(0);
});

test('an equality of expressions maps the expression onto its input and joins on it', () => {
  const q = query('SELECT e.id FROM emp e JOIN dept d ON e.dept + 10 = d.id');
  const join = ofKind(q.planned.plan, 'join')[0]!;
  expect(join.equivalences).toHaveLength(1);
  expect(ofKind(join.inputs[0]!, 'map').some((m) => m.exprs.some((x) => mentions(x, 'add_int')))).toBe(true);
  expect(ofKind(q.planned.plan, 'filter')).toHaveLength(0);
});

test('joins flatten into one n-way join with merged equivalence classes', () => {
  for (const sql of [
    'SELECT a.name FROM emp a, emp b, dept d WHERE a.dept = b.dept AND b.dept = d.id',
    'SELECT a.name FROM emp a JOIN emp b ON a.dept = b.dept JOIN dept d ON b.dept = d.id',
  ]) {
    const q = query(sql);
    expect(q.rows.length).toBe(5); // eng: 2x2, ops: 1x1
    const joins = ofKind(q.planned.plan, 'join');
    expect(joins).toHaveLength(1);
    expect(joins[0]!.inputs).toHaveLength(3);
    expect(joins[0]!.equivalences).toEqual([expect.arrayContaining([])]);
    expect(joins[0]!.equivalences[0]).toHaveLength(3);
  }
});

test('projection pushdown reads only the columns used', () => {
  const q = query('SELECT name FROM emp WHERE salary > 100');
  const projects = ofKind(q.planned.plan, 'project').filter((p) => p.input.op === 'get');
  expect(projects.map((p) => p.columns)).toEqual([[1, 3]]);
  const j = query('SELECT e.name, d.dname FROM emp e JOIN dept d ON e.dept = d.id');
  const join = ofKind(j.planned.plan, 'join')[0]!;
  expect(join.inputs).toEqual([
    { op: 'project', input: { op: 'get', name: 'u1', arity: 5 }, columns: [1, 2] },
    { op: 'project', input: { op: 'get', name: 'u2', arity: 3 }, columns: [0, 1] },
  ]);
});

test('unread aggregates and mapped expressions disappear', () => {
  const q = query('SELECT dept FROM (SELECT dept, sum(salary), max(name) FROM emp GROUP BY dept) s');
  expect(q.rows).toHaveLength(4);
  expect(ofKind(q.planned.plan, 'reduce')[0]!.aggregates).toEqual([]);
  const m = query('SELECT a FROM (SELECT id AS a, upper(name) AS u FROM emp) s');
  expect(exprs(m.planned.plan).some((e) => mentions(e, 'upper'))).toBe(false);
});

test('constant predicates fold: false empties the relation, true disappears', () => {
  const none = query('SELECT name FROM emp WHERE 1 = 0');
  expect(none.rows).toEqual([]);
  expect(none.planned.plan).toEqual({ op: 'constant', rows: [], arity: 1 });
  expect(none.planned.inputs).toEqual([]);
  const some = query('SELECT name FROM emp WHERE 1 = 1 AND id > 2');
  expect(ofKind(some.planned.plan, 'filter').flatMap((f) => f.predicates)).toHaveLength(1);
  expect(query('SELECT 2 * 3 + 1').planned.plan).toEqual({ op: 'constant', rows: [[[7], 1]], arity: 1 });
  expect(query(`SELECT upper(x) FROM (VALUES ('a', 1), ('b', 2)) v(x, y) WHERE y > 1`).planned.plan).toEqual({ op: 'constant', rows: [[['B'], 1]], arity: 1 });
  // what fails stays in the plan and fails when evaluated
  expect(() => query('SELECT 1 / x FROM (VALUES (0)) v(x)')).toThrow('division by zero');
  expect(planQueryText('SELECT 1 / x FROM (VALUES (0)) v(x)', resolver).plan.op).not.toBe('constant');
});

test('a WHERE on the padded side of a LEFT JOIN removes the padding branch', () => {
  const q = query('SELECT e.name FROM emp e LEFT JOIN dept d ON e.dept = d.id WHERE d.budget > 100');
  expect(q.rows.sort()).toEqual([['ann'], ['bob']]);
  expect(ofKind(q.planned.plan, 'negate')).toHaveLength(0);
  const kept = query('SELECT e.name FROM emp e LEFT JOIN dept d ON e.dept = d.id WHERE e.id > 1');
  expect(ofKind(kept.planned.plan, 'negate')).toHaveLength(1);
});

test('outer joins use the key form for equi-conditions, null-safe row matching otherwise', () => {
  const keyed = query('SELECT a.n, b.n FROM nums a LEFT JOIN nums2 b ON a.n = b.n');
  expect(exprs(keyed.planned.plan).some((e) => mentions(e, 'is_null'))).toBe(false);
  const general = query('SELECT a.n, b.n FROM nums a LEFT JOIN nums2 b ON a.n < b.n');
  expect(exprs(general.planned.plan).some((e) => mentions(e, 'is_null'))).toBe(true);
});

test('filters on group keys go below the reduce; filters on aggregates stay above', () => {
  const q = query('SELECT * FROM (SELECT dept, count(*) AS c FROM emp GROUP BY dept) s WHERE dept = 10 AND c > 1');
  expect(q.rows).toEqual([[10, 2]]);
  const reduce = ofKind(q.planned.plan, 'reduce')[0]!;
  expect(ofKind(reduce.input, 'filter')).toHaveLength(1);
  const above = ofKind(q.planned.plan, 'filter').filter((f) => ofKind(f.input, 'reduce').length > 0);
  expect(above).toHaveLength(1);
  expect(above[0]!.predicates).toHaveLength(1);
});

test('filters go into every branch of a union', () => {
  const q = query('SELECT * FROM (SELECT n FROM nums UNION ALL SELECT n FROM nums2) u WHERE n > 1');
  expect(q.rows.map((r) => r[0]).sort()).toEqual([2, 2, 2, 3, 4]);
  const union = ofKind(q.planned.plan, 'union')[0]!;
  expect(union.inputs.every((i) => ofKind(i, 'filter').length === 1)).toBe(true);
});

/** A deterministic pseudo-random generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('optimizing never changes a result (seeded random joins, filters and aggregates)', () => {
  const random = rng(20240611);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  const rels = [
    { name: 'nums', ints: ['n'] },
    { name: 'nums2', ints: ['n'] },
    { name: 'emp', ints: ['id', 'dept'] },
    { name: 'dept', ints: ['id'] },
  ];
  let checked = 0;
  for (let i = 0; i < 150; i++) {
    const count = 2 + Math.floor(random() * 2);
    const chosen = Array.from({ length: count }, (_, k) => ({ ...pick(rels), alias: `t${k}` }));
    const col = (k: number) => `${chosen[k]!.alias}.${pick(chosen[k]!.ints)}`;
    const anyCol = () => col(Math.floor(random() * count));
    const cond = (a: number, b: number) =>
      pick([`${col(a)} = ${col(b)}`, `${col(a)} < ${col(b)}`, `${col(a)} = ${col(b)} AND ${col(b)} > 1`, `${col(a)} = ${col(b)} AND ${col(a)} IS NOT NULL`, `${col(a)} + 1 = ${col(b)}`, 'true']);
    let from = `${chosen[0]!.name} ${chosen[0]!.alias}`;
    for (let k = 1; k < count; k++) {
      from += ` ${pick(['JOIN', 'LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN', 'JOIN'])} ${chosen[k]!.name} ${chosen[k]!.alias} ON ${cond(Math.floor(random() * k), k)}`;
    }
    const where = pick(['', ` WHERE ${anyCol()} IS NULL`, ` WHERE ${anyCol()} > 1`, ` WHERE ${anyCol()} = ${anyCol()}`, ` WHERE coalesce(${anyCol()}, 0) < 3 OR ${anyCol()} = 2`]);
    const shape = random();
    const key = col(0);
    const sql =
      shape < 0.4
        ? `SELECT ${anyCol()}, ${anyCol()} FROM ${from}${where}`
        : shape < 0.7
          ? `SELECT ${key}, count(*), sum(${anyCol()}) FROM ${from}${where} GROUP BY ${key}`
          : shape < 0.85
            ? `SELECT count(*), max(${anyCol()}) FROM ${from}${where}`
            : `SELECT DISTINCT ${anyCol()} FROM ${from}${where}`;
    try {
      query(sql); // evaluates optimized and unoptimized plans and compares them
    } catch (e) {
      throw new Error(`${sql}\n${(e as Error).message}`);
    }
    checked++;
  }
  expect(checked).toBe(150);
  expect(bag('SELECT count(*) FROM nums a FULL JOIN nums2 b ON a.n = b.n')).toEqual([[9]]);
});
