/**
 * How the runner picks the next action. `random`: a weighted seeded pick among the actions whose
 * capabilities and preconditions hold. `all-faults`: the same, except that every fault kind is
 * forced once, in a seeded order, at evenly spaced steps (the CI drill uses it so a short run
 * covers every fault). `storage-only`: no faults at all, only workload (a baseline).
 */
import type { Action } from './actions.js';
import type { DrillContext } from './context.js';

export const SCENARIOS = ['random', 'all-faults', 'storage-only'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export function eligible(ctx: DrillContext, actions: Action[]): Action[] {
  return actions.filter((a) => a.needs.every((c) => ctx.capabilities.has(c)) && a.when(ctx));
}

/** The steps (0-based) at which `all-faults` forces each fault, in a seeded order. */
export function forcedFaults(ctx: DrillContext, actions: Action[], steps: number): Map<number, Action> {
  const faults = actions.filter((a) => a.fault && a.needs.every((c) => ctx.capabilities.has(c)));
  for (let i = faults.length - 1; i > 0; i--) {
    const j = ctx.rng.int(0, i);
    [faults[i], faults[j]] = [faults[j]!, faults[i]!];
  }
  const plan = new Map<number, Action>();
  // leave the first steps to create sources, then spread the faults over the rest
  const start = Math.min(4, steps - 1);
  const span = Math.max(1, steps - start);
  faults.forEach((a, i) => plan.set(start + Math.floor((i * span) / faults.length), a));
  return plan;
}

export function nextAction(ctx: DrillContext, actions: Action[], scenario: Scenario, forced: Map<number, Action>): Action {
  const f = forced.get(ctx.step);
  if (f && f.when(ctx)) return f;
  let pool = eligible(ctx, actions);
  if (scenario === 'all-faults' || scenario === 'storage-only') pool = pool.filter((a) => !a.fault);
  // start with one source of each kind so every fault meets data
  const missing = pool.filter((a) => a.firstOf?.(ctx));
  if (missing.length > 0) return missing[0]!;
  return ctx.rng.weighted(pool.map((a) => ({ item: a, weight: a.weight })));
}
