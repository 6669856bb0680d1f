/**
 * Command history reduction: dropped dataflows vanish, compaction folds into asOf, transient
 * commands are not history, and replay is Hello + CreateDataflow* + InitializationComplete.
 */
import { CommandHistory } from '../../protocol/compute/history.js';
import type { DataflowDescription } from '../../protocol/compute/command.js';

const df = (id: string, asOf = 10): DataflowDescription => ({
  id,
  plan: { op: 'get', input: 'a' },
  inputs: [{ name: 'a', collection: 'u1' }],
  asOf,
  exports: { index: true },
});

test('reduction drops dropped dataflows and advances asOf to the last compaction', () => {
  const h = new CommandHistory();
  h.push({ type: 'Hello', epoch: 1, controller: 'c' });
  h.push({ type: 'CreateDataflow', epoch: 1, dataflow: df('a') });
  h.push({ type: 'CreateDataflow', epoch: 1, dataflow: df('b') });
  h.push({ type: 'Peek', epoch: 1, peekId: 'p', dataflow: 'a', timestamp: 11 });
  h.push({ type: 'AllowCompaction', epoch: 1, id: 'a', frontier: [15] });
  h.push({ type: 'AllowCompaction', epoch: 1, id: 'a', frontier: [20] });
  h.push({ type: 'AllowCompaction', epoch: 1, id: 'b', frontier: [] });
  h.push({ type: 'CreateDataflow', epoch: 1, dataflow: df('c', 30) });
  expect(h.length).toBe(6);
  const live = h.reduce();
  expect(live.map((d) => [d.id, d.asOf])).toEqual([
    ['a', 20],
    ['c', 30],
  ]);
  expect(h.length).toBe(2);
  // Reducing again changes nothing.
  expect(h.reduce().map((d) => [d.id, d.asOf])).toEqual([
    ['a', 20],
    ['c', 30],
  ]);
  const replay = h.replay(7, 'ctl');
  expect(replay.map((c) => c.type)).toEqual(['Hello', 'CreateDataflow', 'CreateDataflow', 'InitializationComplete']);
  expect(replay.every((c) => !('epoch' in c) || c.epoch === 7)).toBe(true);
});

test('the original description is not mutated by reduction', () => {
  const h = new CommandHistory();
  const d = df('a', 1);
  h.push({ type: 'CreateDataflow', epoch: 1, dataflow: d });
  h.push({ type: 'AllowCompaction', epoch: 1, id: 'a', frontier: [9] });
  h.reduce();
  expect(d.asOf).toBe(1);
});
