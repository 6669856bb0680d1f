/**
 * WHERE planning that keeps joins joins (found with TPC-H Q18, Q19, Q17): the conditions without
 * subqueries filter before a subquery is joined, so the subquery's outer rows are the join and not
 * the FROM clause's cross product; and conjuncts every arm of an OR shares are taken out of it,
 * so `(a.k = b.k AND p) OR (a.k = b.k AND q)` joins on k. Results are checked by the fixture
 * (optimized and unoptimized plans agree) and against rows worked out by hand.
 */
import type { Plan } from '../../protocol/compute/plan.js';
import { bag, query, setup } from './planner-fixture.js';

beforeAll(setup);

function joins(plan: Plan): Array<Extract<Plan, { op: 'join' }>> {
  const out: Array<Extract<Plan, { op: 'join' }>> = [];
  const walk = (p: Plan): void => {
    if (p.op === 'join') out.push(p);
    if ('input' in p) walk(p.input);
    if ('inputs' in p) p.inputs.forEach(walk);
  };
  walk(plan);
  return out;
}
/** Joins of two or more inputs none of which is a single constant row: cross products of data. */
const crossProducts = (plan: Plan) => joins(plan).filter((j) => j.equivalences.length === 0 && j.inputs.every((i) => i.op === 'get' || i.op === 'project'));

test('an IN subquery over a comma join reads the join, not the cross product', () => {
  const sql = 'SELECT e.name, d.dname FROM emp e, dept d WHERE e.dept = d.id AND e.id IN (SELECT n FROM nums)';
  const { rows, planned } = query(sql);
  expect(crossProducts(planned.plan)).toEqual([]);
  expect(bag(sql)).toEqual([['ann', 'eng'], ['bob', 'eng'], ['cat', 'ops']]);
  expect(rows.length).toBe(3);
});

test('a correlated scalar subquery is evaluated for the rows the other conditions keep', () => {
  const sql = 'SELECT e.id FROM emp e, dept d WHERE e.dept = d.id AND e.salary >= (SELECT max(salary) FROM emp x WHERE x.dept = d.id)';
  expect(crossProducts(query(sql).planned.plan)).toEqual([]);
  expect(bag(sql)).toEqual([[2]]);
});

test('conjuncts shared by every arm of an OR become join keys', () => {
  const sql = `SELECT e.id FROM emp e, dept d
    WHERE (e.dept = d.id AND e.salary > 150 AND d.budget > 100) OR (e.dept = d.id AND e.active AND d.dname = 'ops')`;
  const { planned } = query(sql);
  expect(crossProducts(planned.plan)).toEqual([]);
  expect(joins(planned.plan).some((j) => j.equivalences.length > 0)).toBe(true);
  expect(bag(sql)).toEqual([[2], [3]]);
  // An arm left with nothing but the shared conjuncts makes the OR true.
  expect(bag('SELECT e.id FROM emp e, dept d WHERE (e.dept = d.id) OR (e.dept = d.id AND e.active)')).toEqual([[1], [2], [3]]);
});
