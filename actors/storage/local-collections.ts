/**
 * The collections running in this process, by region and id, so that a host-wide actor (the
 * txns actor's AdvanceUppers) can hand each item of a batch to its collection in-process instead
 * of sending one message per collection.
 */
export interface LocalCollection {
  /** Exactly an Append with no updates: same checks, same reply. */
  appendEmpty(args: { writer: string; token: string; expectedUpper: number; newUpper: number }): Promise<{ upper: number; duplicate: boolean }>;
  /** A view over `inputs` whose own upper is `upper` follows its host's txns upper, if it may. */
  followTxns(inputs: string[], upper: number): boolean;
}

const running = new Map<string, LocalCollection>();

export function registerCollection(region: string, id: string, c: LocalCollection): void {
  running.set(`${region}/${id}`, c);
}

/** Forgets `c` (not a newer incarnation registered since under the same id). */
export function unregisterCollection(region: string, id: string, c: LocalCollection): void {
  if (running.get(`${region}/${id}`) === c) running.delete(`${region}/${id}`);
}

export function localCollection(region: string, id: string): LocalCollection | undefined {
  return running.get(`${region}/${id}`);
}
