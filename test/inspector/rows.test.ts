/**
 * The inspector's row bookkeeping (runtime/inspector-web/rows.ts), on its own: an actor that
 * stopped cleanly on a live host is forgotten once a later tree no longer lists it; one that
 * merely left the tree, or whose host is down, is kept and marked stale with the reason; a
 * transition newer than the tree that missed it wins over that tree.
 */
import { RowStore } from '../../runtime/inspector-web/rows.js';
import type { TreeNode } from '../../protocol/inspect/messages.js';

const actor = (id: string, kind = 'session'): TreeNode => ({ id, role: 'actor', kind, state: 'running', restarts: 0 });
const host = (id: string, children: TreeNode[]): TreeNode => ({ id, role: 'host', kind: 'host', state: 'running', restarts: 0, children });
const tree = (...hosts: TreeNode[]): TreeNode => ({ id: 'r', role: 'region', kind: 'region', state: 'running', restarts: 0, children: hosts });
const stopEvent = (id: string, at: number) => ({ type: 'LifecycleEvent' as const, hostId: 'env', kind: 'session', id, from: 'running', to: 'stopped', at, restarts: 0 });

test('a cleanly stopped actor on a live host is forgotten; one that left the tree is stale', () => {
  const rows = new RowStore(() => undefined);
  rows.applyTree(tree(host('env', [actor('s1'), actor('s2'), actor('s3')])), 1000, 1000);
  expect(rows.rows(1000, undefined).actors.map((a) => a.id)).toEqual(['s1', 's2', 's3']);
  rows.lifecycle(stopEvent('s2', 1500), 1500); // a closed session
  rows.applyTree(tree(host('env', [actor('s1')])), 2000, 2000); // s2 and s3 are not listed
  const after = rows.rows(2000, undefined).actors;
  expect(after.map((a) => a.id)).toEqual(['s1', 's3']);
  expect(after.find((a) => a.id === 's3')).toMatchObject({ stale: true, staleReason: 'no longer in the tree' });
});

test('a stop newer than the tree that missed the actor keeps it until a later tree', () => {
  const rows = new RowStore(() => undefined);
  rows.applyTree(tree(host('env', [actor('s1')])), 1000, 1000);
  rows.lifecycle(stopEvent('s1', 2500), 2500);
  rows.applyTree(tree(host('env', [actor('x')])), 2000, 2600); // requested before the stop
  expect(rows.actor('env', 's1')).toMatchObject({ state: 'stopped', stale: false });
  rows.applyTree(tree(host('env', [actor('x')])), 3000, 3000);
  expect(rows.actor('env', 's1')).toBeUndefined();
});

test("actors of a host that is down stay listed, stale, with the host's state as the reason", () => {
  const rows = new RowStore(() => undefined);
  rows.applyTree(tree(host('env', [actor('s1')]), host('storage-0', [actor('c1', 'collection')])), 1000, 1000);
  rows.lifecycle(stopEvent('s1', 1200), 1200);
  rows.applyTree(tree(host('env', [actor('s9')])), 10_000, 10_000); // storage-0 gone from the tree
  expect(rows.actor('storage-0', 'c1')).toMatchObject({ stale: true });
  expect(rows.actor('storage-0', 'c1')!.staleReason).toMatch(/^host storage-0 is /);
  expect(rows.actor('env', 's1')).toBeUndefined();
});
