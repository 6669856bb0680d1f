/**
 * Reading a supervision tree (messages.ts TreeNode): every actor node below a root, in tree
 * order. For clients of the inspection subjects (the inspector page, tests, benchmarks).
 */
import type { TreeNode } from './messages.js';

export function actorsIn(root: TreeNode): TreeNode[] {
  const out: TreeNode[] = [];
  const walk = (node: TreeNode) => {
    if (node.role === 'actor') out.push(node);
    for (const c of node.children ?? []) walk(c);
  };
  walk(root);
  return out;
}
