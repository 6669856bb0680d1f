/**
 * The command history of one cluster and its reduction (Materialize's `history.rs`). The compute
 * controller records every state-changing command it sends; replaying the reduced history to a
 * (re)started cluster reproduces the cluster's intended state with the fewest commands:
 * - a dataflow dropped (AllowCompaction to the empty frontier) disappears with all its commands;
 * - AllowCompaction is folded into its dataflow's `asOf` (the latest frontier wins), so a replayed
 *   dataflow hydrates from the compaction frontier instead of from its original `asOf`;
 * - peeks, cancels, subscriptions and Hello are not history (they are transient or per-epoch).
 * The replay is `Hello{epoch}`, one CreateDataflow per live dataflow, `InitializationComplete`.
 */
import type { ComputeCommand, DataflowDescription } from './command.js';

type Recorded = Extract<ComputeCommand, { type: 'CreateDataflow' | 'AllowCompaction' }>;

export class CommandHistory {
  private commands: Recorded[] = [];

  /** Records a command; commands that are not history are ignored. */
  push(cmd: ComputeCommand): void {
    if (cmd.type === 'CreateDataflow' || cmd.type === 'AllowCompaction') this.commands.push(cmd);
  }

  /** The number of recorded commands (after the last reduce). */
  get length(): number {
    return this.commands.length;
  }

  /** Reduces the history in place and returns the live dataflows, with asOf advanced. */
  reduce(): DataflowDescription[] {
    const live = new Map<string, DataflowDescription>();
    for (const cmd of this.commands) {
      if (cmd.type === 'CreateDataflow') {
        live.set(cmd.dataflow.id, { ...cmd.dataflow });
      } else {
        const df = live.get(cmd.id);
        if (!df) continue;
        if (cmd.frontier.length === 0) live.delete(cmd.id);
        else df.asOf = Math.max(df.asOf, cmd.frontier[0]!);
      }
    }
    const dataflows = [...live.values()];
    this.commands = dataflows.map((dataflow) => ({ type: 'CreateDataflow', epoch: 1, dataflow }));
    return dataflows;
  }

  /** The commands that bring a fresh cluster to the intended state under `epoch`. */
  replay(epoch: number, controller: string): ComputeCommand[] {
    const dataflows = this.reduce();
    return [
      { type: 'Hello', epoch, controller },
      ...dataflows.map((dataflow): ComputeCommand => ({ type: 'CreateDataflow', epoch, dataflow })),
      { type: 'InitializationComplete', epoch },
    ];
  }
}
