/**
 * The txns upper of one storage host, shared in-process by the host's txns actor (which sets it
 * once durable) and its table collections (which read it as their logical upper). Only tables
 * that have someone waiting (a snapshot at a later time, an open subscription) listen, so an
 * advance costs nothing per idle table.
 */
export class TxnsFrontier {
  /** Every table time below it is sealed; -Infinity until the txns actor has recovered. */
  private current = -Infinity;
  private readonly listeners = new Set<() => void>();

  get upper(): number {
    return this.current;
  }

  /** Whether the txns actor has loaded the durable upper (before that, table appends wait). */
  get known(): boolean {
    return this.current > -Infinity;
  }

  /** Moves the upper forward (never back) and tells the listeners. */
  advance(upper: number): void {
    if (upper <= this.current) return;
    this.current = upper;
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` after every advance until the returned function is called. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listening(): number {
    return this.listeners.size;
  }
}

const frontiers = new Map<string, TxnsFrontier>();

/** The txns frontier of storage host `hostId` in `region`, in this process. */
export function txnsFrontierOf(region: string, hostId: string): TxnsFrontier {
  const key = `${region}/${hostId}`;
  let frontier = frontiers.get(key);
  if (!frontier) frontiers.set(key, (frontier = new TxnsFrontier()));
  return frontier;
}
