/**
 * Test fixture: the plan of `SELECT k, count(*), sum(v*w) FROM a JOIN b USING (k) GROUP BY k`
 * over a(k, v), b(k, w) (the view of the COMPUTE issue), used by the cluster and restart tests.
 */
import type { Plan } from '../../protocol/compute/plan.js';

export const int = (name: string) => ({ name, type: 'int' as const, nullable: true });

export const JOIN_GROUP_PLAN: Plan = {
  op: 'reduce',
  input: {
    op: 'join',
    inputs: [
      { op: 'get', name: 'a', arity: 2 },
      { op: 'get', name: 'b', arity: 2 },
    ],
    equivalences: [[0, 2]],
  },
  groupKey: [0],
  aggregates: [
    { fn: 'count_star', expr: { op: 'lit', value: null, type: 'int' } },
    { fn: 'sum', expr: { op: 'call', fn: '*', args: [{ op: 'col', index: 1 }, { op: 'col', index: 3 }] } },
  ],
};
