/**
 * The plan cache on its own: entries are valid for one catalog generation, and the least
 * recently used entry is evicted past the capacity.
 */
import { PlanCache, type PreparedSelect } from '../../actors/control/plan-cache.js';

const prepared = (n: number): PreparedSelect => ({
  plan: { op: 'constant', rows: [[[n], 1]], arity: 1 } as unknown as PreparedSelect['plan'],
  inputs: [],
  sources: new Map(),
  columns: [{ name: 'n', type: 'int' }],
  finishing: { order: [], offset: 0, project: [0] },
  route: 'evaluate',
});

test('an entry is returned only for the generation it was planned in', () => {
  const c = new PlanCache(4);
  c.set('SELECT 1', 7, prepared(1));
  expect(c.get('SELECT 1', 7)?.columns[0]!.name).toBe('n');
  expect(c.get('SELECT 1', 8)).toBeUndefined();
  expect(c.get('SELECT 1', 7)).toBeUndefined(); // a stale entry is removed when found
  expect(c.get('SELECT 2', 7)).toBeUndefined();
});

test('the least recently used entry goes first', () => {
  const c = new PlanCache(3);
  for (let i = 0; i < 3; i++) c.set(`q${i}`, 0, prepared(i));
  expect(c.get('q0', 0)).toBeDefined(); // q0 is now the most recently used
  c.set('q3', 0, prepared(3));
  expect(c.size).toBe(3);
  expect(c.get('q1', 0)).toBeUndefined();
  expect(c.get('q0', 0)).toBeDefined();
  expect(c.get('q2', 0)).toBeDefined();
  expect(c.get('q3', 0)).toBeDefined();
});
