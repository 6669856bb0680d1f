/**
 * The write side of the planner: INSERT / UPDATE / DELETE become plans of updates to the target
 * table (+1 inserted rows, −1 retracted rows), evaluated here with the reference evaluator over
 * the fixture's tables and applied to check the table's contents afterwards.
 */
import type { DeleteStmt, InsertStmt, UpdateStmt } from 'libpg-query';
import { checkNotNull, parseStatements, planDelete, planInsert, planUpdate, type PlannedWrite } from '../../actors/control/sql/index.js';
import { evaluatePlan } from '../../protocol/compute/reference.js';
import { consolidateRows } from '../../protocol/compute/row.js';
import type { Row } from '../../protocol/types.js';
import { inputsFor, resolver, setup, sqlError, TABLES } from './planner-fixture.js';

beforeAll(setup);

function plan(sql: string): PlannedWrite {
  const stmt = parseStatements(sql)[0]!;
  if ('InsertStmt' in stmt) return planInsert(stmt.InsertStmt as InsertStmt, resolver, { text: sql });
  if ('UpdateStmt' in stmt) return planUpdate(stmt.UpdateStmt as UpdateStmt, resolver, { text: sql });
  if ('DeleteStmt' in stmt) return planDelete(stmt.DeleteStmt as DeleteStmt, resolver, { text: sql });
  throw new Error(`not a write: ${sql}`);
}

/** The updates a write produces. */
function updates(sql: string): Array<[Row, number]> {
  const w = plan(sql);
  return evaluatePlan(w.plan, inputsFor(w));
}

/** The table's contents after the write. */
function after(sql: string): Row[] {
  const w = plan(sql);
  const table = Object.values(TABLES).find((t) => t.id === w.table.id)!;
  const result = consolidateRows([...table.rows.map((r): [Row, number] => [r, 1]), ...evaluatePlan(w.plan, inputsFor(w))]);
  return result.flatMap(([row, n]) => Array.from({ length: n }, () => row));
}

test('INSERT ... VALUES in column order, with a column list, converting values for storage', () => {
  expect(updates(`INSERT INTO emp VALUES (6, 'fay', 10, 120, true)`)).toEqual([[[6, 'fay', 10, 120, true], 1]]);
  expect(updates(`INSERT INTO emp (name, id) VALUES ('gus', 7), ('hal', 8)`)).toEqual([
    [[7, 'gus', null, null, null], 1],
    [[8, 'hal', null, null, null], 1],
  ]);
  expect(updates(`INSERT INTO dept (id, dname, budget) VALUES (50, 'x', 5)`)).toEqual([[[50, 'x', 5], 1]]);
  expect(updates(`INSERT INTO emp (id, name, salary) VALUES (9, 'ivy', '12.5')`)).toEqual([[[9, 'ivy', null, 12.5, null], 1]]);
  expect(updates(`INSERT INTO emp (id, name) VALUES (1.6, upper('x'))`)).toEqual([[[2, 'X', null, null, null], 1]]);
  expect(updates(`INSERT INTO nums VALUES (1), (1)`)).toEqual([[[1], 2]]);
  const w = plan(`INSERT INTO emp VALUES (6, 'fay', 10, 120, true)`);
  expect(w).toMatchObject({ kind: 'insert', table: { name: 'emp', id: 'u1' }, inputs: [] });
});

test('INSERT ... SELECT reads its source; the plan names its inputs', () => {
  const w = plan(`INSERT INTO emp (id, name) SELECT id + 100, dname FROM dept WHERE budget IS NOT NULL`);
  expect(w.inputs).toEqual([{ name: 'u2', id: 'u2', relation: 'dept' }]);
  expect(evaluatePlan(w.plan, inputsFor(w))).toEqual([
    [[110, 'eng', null, null, null], 1],
    [[140, 'hr', null, null, null], 1],
  ]);
  expect(updates(`INSERT INTO nums SELECT n FROM nums2 WHERE n > 1`)).toEqual([[[2], 2], [[4], 1]]);
});

test('NOT NULL is checked on the evaluated rows', () => {
  const rows = updates(`INSERT INTO emp (name) VALUES ('nobody')`).map(([r]) => r);
  const e = sqlError(() => checkNotNull(TABLES['emp']!.columns, rows));
  expect(e.sqlstate).toBe('23502');
  expect(e.message).toContain('"id"');
  expect(() => checkNotNull(TABLES['emp']!.columns, [[1, 'a', null, null, null]])).not.toThrow();
});

test('DELETE retracts the matching rows', () => {
  expect(updates('DELETE FROM emp WHERE dept = 10')).toEqual([
    [[1, 'ann', 10, 100, true], -1],
    [[2, 'bob', 10, 200, false], -1],
  ]);
  expect(updates('DELETE FROM nums WHERE n = 1')).toEqual([[[1], -2]]);
  expect(after('DELETE FROM nums WHERE n IS NULL OR n > 2')).toEqual([[1], [1], [2]]);
  expect(after('DELETE FROM emp')).toEqual([]);
  expect(updates('DELETE FROM emp WHERE salary > 1000')).toEqual([]);
});

test('UPDATE retracts old rows and inserts new ones, computed from the old values', () => {
  expect(after('UPDATE emp SET salary = salary * 2, active = NOT active WHERE dept = 10')).toEqual([
    [1, 'ann', 10, 200, false],
    [2, 'bob', 10, 400, true],
    [3, 'cat', 20, null, true],
    [4, 'dan', null, 50, null],
    [5, 'eve', 30, 300, true],
  ]);
  expect(updates(`UPDATE emp SET name = upper(name) WHERE id = 3`)).toEqual([
    [[3, 'CAT', 20, null, true], 1],
    [[3, 'cat', 20, null, true], -1],
  ]);
  expect(after('UPDATE nums SET n = coalesce(n, 0) + 1')).toEqual([[1], [1], [2], [2], [3], [4]]);
  expect(updates(`UPDATE emp SET dept = dept WHERE id = 1`)).toEqual([]);
});

test('write errors carry their SQLSTATE', () => {
  const code = (sql: string) => sqlError(() => plan(sql)).sqlstate;
  expect(code(`INSERT INTO nope VALUES (1)`)).toBe('42P01');
  expect(code(`INSERT INTO emp (id, nope) VALUES (1, 2)`)).toBe('42703');
  expect(code(`INSERT INTO emp (id, id) VALUES (1, 2)`)).toBe('42701');
  expect(code(`INSERT INTO emp (id) VALUES (1, 2)`)).toBe('42601');
  expect(code(`INSERT INTO emp (id, name) VALUES ('x', 'y')`)).toBe('22P02');
  expect(code(`INSERT INTO emp (id, name) VALUES (1, 2)`)).toBe('42804');
  expect(code(`INSERT INTO eng VALUES (1, 'a')`)).toBe('42809');
  expect(code(`INSERT INTO emp VALUES (1, 'a') RETURNING id`)).toBe('0A000');
  expect(code(`UPDATE emp SET nope = 1`)).toBe('42703');
  expect(code(`UPDATE emp SET id = name`)).toBe('42804');
  expect(code(`UPDATE emp SET id = 1, id = 2`)).toBe('42701');
  expect(code(`UPDATE eng SET id = 1`)).toBe('42809');
  expect(code(`UPDATE emp SET id = 1 WHERE count(*) > 1`)).toBe('42803');
  expect(code(`DELETE FROM emp WHERE nope = 1`)).toBe('42703');
  expect(code(`DELETE FROM emp WHERE name`)).toBe('42804');
  const e = sqlError(() => plan(`DELETE FROM emp WHERE nope = 1`));
  expect(e.details['position']).toBe(23);
});

test('DELETE and UPDATE with subqueries in WHERE (issue #18)', () => {
  expect(after('DELETE FROM emp WHERE dept NOT IN (SELECT id FROM dept)').map((r) => r[0])).toEqual([1, 2, 3, 4]);
  expect(after('DELETE FROM emp e WHERE NOT EXISTS (SELECT 1 FROM dept WHERE dept.id = e.dept)').map((r) => r[0])).toEqual([1, 2, 3]);
  expect(after('DELETE FROM emp WHERE salary < (SELECT max(salary) FROM emp)').map((r) => r[0])).toEqual([3, 5]);
  expect(updates('UPDATE dept SET budget = 0 WHERE id IN (SELECT dept FROM emp WHERE active)')).toEqual(expect.arrayContaining([[[20, 'ops', 0], 1], [[20, 'ops', null], -1]]));
});
