/**
 * The actor lifecycle statechart as plain data, read from the xstate machine definition in
 * runtime/lifecycle.ts itself, so the page draws exactly the machine the actors run (a state or
 * transition added there shows up in the inspector without touching the page).
 */
import { lifecycleMachine } from '../lifecycle.js';
import type { Statechart } from './types.js';

/** States and transitions of the lifecycle machine. */
export function lifecycleStatechart(): Statechart {
  const root = lifecycleMachine.root;
  const states = Object.keys(root.states);
  const transitions: Statechart['transitions'] = [];
  for (const from of states) {
    const node = root.states[from]!;
    for (const [event, list] of node.transitions) {
      for (const t of list) for (const target of t.target ?? []) transitions.push({ from, to: target.key, event });
    }
  }
  const initial = root.initial?.target?.[0]?.key ?? states[0] ?? '';
  return { initial, states, transitions };
}
