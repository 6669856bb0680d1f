/**
 * The engine factory refuses bad plans and bad input with typed errors that say what is wrong,
 * and builds a working engine for good ones.
 */
import { createEngine } from '../../actors/compute/engine-binding.js';
import { InvalidRequestError } from '../../protocol/errors.js';
import type { Plan } from '../../protocol/compute/plan.js';
import { call, col, get, lit } from './engine-harness.js';

function refused(plan: unknown, inputs: string[], message: RegExp): void {
  let caught: unknown;
  try {
    createEngine(plan, inputs, 0);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InvalidRequestError);
  expect((caught as Error).message).toMatch(message);
}

test('bad plans are refused with a message saying what is wrong', () => {
  refused({ op: 'get', input: 'a' }, ['a'], /invalid plan/);
  refused({ op: 'scan', name: 'a' }, ['a'], /invalid plan/);
  refused({ op: 'project', input: get('A', 2), columns: [2] }, ['A'], /column 2 out of range \(arity 2\)/);
  refused({ op: 'map', input: get('A', 1), exprs: [col(1)] }, ['A'], /column 1 out of range/);
  refused({ op: 'map', input: get('A', 1), exprs: [call('+', col(0))] }, ['A'], /\+ takes 2 arguments, got 1/);
  refused({ op: 'union', inputs: [get('A', 1), get('B', 2)] }, ['A', 'B'], /union of arities 1, 2/);
  refused({ op: 'join', inputs: [get('A', 1), get('A', 2)], equivalences: [] }, ['A'], /input A is read with arities 1 and 2/);
  refused({ op: 'join', inputs: [get('A', 1), get('B', 1)], equivalences: [[0, 2]] }, ['A', 'B'], /column 2 out of range/);
  refused({ op: 'constant', rows: [[[1, 2], 1]], arity: 1 }, [], /arity 2, expected 1/);
});

test('the inputs must be exactly those the plan reads', () => {
  refused(get('A', 1), ['B'], /reads A, not among the dataflow's inputs \(B\)/);
  refused(get('A', 1), ['A', 'B'], /never reads: B/);
  refused(get('A', 1), ['A', 'A'], /one input twice/);
});

test('bad input is refused', () => {
  const e = createEngine(get('A', 2), ['A'], 0);
  expect(() => e.pushInput('Z', [])).toThrow(/no input named Z/);
  expect(() => e.pushInput('A', [[[1], 0, 1]])).toThrow(/a row of 1 columns, expected 2/);
  expect(() => e.advanceInput('Z', [1])).toThrow(InvalidRequestError);
});

test('a good plan gives a working engine', () => {
  const plan: Plan = { op: 'filter', input: get('A', 1), predicates: [call('>', col(0), lit(1))] };
  const e = createEngine(plan, ['A'], 0);
  e.pushInput('A', [[[1], 0, 1], [[2], 0, 1]]);
  e.advanceInput('A', [1]);
  expect(e.step()).toEqual({ updates: [[[2], 0, 1]], errors: [], frontier: [1] });
});
