/**
 * WITH RECURSIVE in the planner: plans evaluated by the reference evaluator (the fixpoint's
 * PostgreSQL iteration, protocol/compute/fixpoint.ts) over the planner fixture's tables, and the
 * refusals PostgreSQL gives, with its SQLSTATEs. The engine and PostgreSQL itself are compared in
 * test/compute/engine-fixpoint.test.ts and test/control/recursive-oracle.test.ts.
 */
import { bag, errorOf, rows, setup } from './planner-fixture.js';

beforeAll(setup);

test('counting, UNION ALL and UNION, column lists', () => {
  expect(rows('WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 100) SELECT sum(n) FROM t')).toEqual([[5050]]);
  expect(bag('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t')).toEqual([[1], [2], [3]]);
  // UNION ALL keeps the non-recursive term's duplicates and every round's
  expect(bag('WITH RECURSIVE t(n) AS (SELECT n FROM nums WHERE n = 1 UNION ALL SELECT n + 1 FROM t WHERE n < 2) SELECT * FROM t')).toEqual([[1], [1], [2], [2]]);
  expect(bag('WITH RECURSIVE t(n) AS (SELECT n FROM nums WHERE n = 1 UNION SELECT n + 1 FROM t WHERE n < 2) SELECT * FROM t')).toEqual([[1], [2]]);
  // UNION over a cycle terminates: rows already in the result stop the recursion
  expect(bag('WITH RECURSIVE t(n) AS (SELECT 0 UNION SELECT (n + 1) % 3 FROM t) SELECT * FROM t')).toEqual([[0], [1], [2]]);
  // the CTE's column list renames only a prefix
  expect(rows('WITH RECURSIVE t(a) AS (SELECT 1, 2 UNION ALL SELECT a + 1, 2 FROM t WHERE a < 2) SELECT a FROM t ORDER BY a')).toEqual([[1], [2]]);
});

test('the recursive term reads the working table only (PostgreSQL), with GROUP BY, DISTINCT and joins', () => {
  // each round sees only the previous round's rows: DISTINCT in the term dedups within a round
  expect(bag('WITH RECURSIVE t(n) AS (SELECT n FROM nums WHERE n IS NOT NULL UNION ALL SELECT DISTINCT n + 1 FROM t WHERE n < 3) SELECT * FROM t')).toEqual([[1], [1], [2], [2], [3], [3], [3]]);
  expect(bag('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3 GROUP BY n) SELECT * FROM t')).toEqual([[1], [2], [3]]);
  // a join with a table, a non-recursive CTE and an earlier recursive one
  expect(
    bag(`WITH RECURSIVE base AS (SELECT id FROM emp WHERE dept = 10), r(id, d) AS (SELECT id, 0 FROM base UNION SELECT e.id, r.d + 1 FROM r JOIN emp e ON e.id = r.id + 1 WHERE r.d < 2),
         s(x) AS (SELECT id FROM r UNION SELECT x * 2 FROM s WHERE x < 5) SELECT x FROM s`),
  ).toEqual([[1], [2], [3], [4], [6], [8]]);
  // a FROM subquery over the working table is allowed
  expect(bag('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n FROM (SELECT n + 1 AS n FROM t) x WHERE n < 3) SELECT * FROM t')).toEqual([[1], [2]]);
  // a WITH RECURSIVE whose CTE does not read itself is an ordinary CTE
  expect(rows('WITH RECURSIVE r AS (SELECT 1 AS one) SELECT * FROM r')).toEqual([[1]]);
});

test('a recursion past the limit is an evaluation error, not a hang', () => {
  expect(() => rows('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n FROM t) SELECT count(*) FROM t')).toThrow(/recursion limit/);
});

test('PostgreSQL refusals, with its SQLSTATEs', () => {
  const e = (sql: string) => errorOf(sql).sqlstate;
  expect(e('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT count(*) FROM t) SELECT * FROM t')).toBe('42P19');
  expect(e('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT t.n + 1 FROM t, t t2 WHERE t.n < 3) SELECT * FROM t')).toBe('42P19');
  expect(e('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM emp LEFT JOIN t ON true) SELECT * FROM t')).toBe('42P19');
  expect(e('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT id FROM emp WHERE id IN (SELECT n FROM t)) SELECT * FROM t')).toBe('42P19');
  expect(e('WITH RECURSIVE t(n) AS (SELECT n FROM t UNION ALL SELECT 1) SELECT * FROM t')).toBe('42P19');
  expect(e('WITH RECURSIVE t(n) AS (SELECT 1 INTERSECT SELECT n FROM t) SELECT * FROM t')).toBe('42P19');
  expect(e('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL (SELECT 5 EXCEPT SELECT n FROM t)) SELECT * FROM t')).toBe('42P19');
  expect(e('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n::bigint + 1 FROM t WHERE n < 3) SELECT * FROM t')).toBe('42804');
  expect(e('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3 ORDER BY 1) SELECT * FROM t')).toBe('0A000');
  expect(e('WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3 LIMIT 1) SELECT * FROM t')).toBe('0A000');
  expect(e('WITH RECURSIVE t(n, m) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t')).toBe('42P10');
  expect(e('WITH RECURSIVE t AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t')).toBe('42703');
});
