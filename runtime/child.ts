/**
 * What a supervisor supervises: an actor cell, a nested supervisor or a host process. A child
 * reports its own exits (a crash, or a normal finish) through `onExit`; stops and kills that the
 * supervisor asks for are not reported back as exits.
 */
import type { TreeNode } from '../protocol/inspect/messages.js';

export type RestartType = 'permanent' | 'transient' | 'temporary';

export type ChildExit = { reason: 'normal' } | { reason: 'failure'; error: string };

export interface Child {
  readonly id: string;
  /** Starts (or starts again); resolves once running or once the start has failed (reported via onExit). */
  start(): Promise<void>;
  /** Stops cleanly, killing after `timeoutMs` if the stop hook has not finished. */
  stop(timeoutMs: number): Promise<void>;
  /** Crashes the child now, as a real failure would (reported through onExit). */
  kill(reason: string): void;
  /** Tells the child a restart is due at `deadline` (ms since epoch); shown while in backoff. */
  markBackoff(deadline: number): void;
  /** Registers the exit listener (one per child: its supervisor). */
  onExit(listener: (exit: ChildExit) => void): void;
  /** Restarts of this child since it was created. */
  restarts(): number;
  tree(): TreeNode;
}
