/**
 * The lifecycle of every actor, as an xstate v5 machine:
 *
 * ```
 * starting -> recovering -> running -> stopping -> stopped
 *     \            \            \                    |
 *      `------------`------------`--> failed -> backoff -> starting
 *                                        \--------\-----> stopped (not restarted)
 * stopped --START--> starting   (a supervisor restarting a cleanly stopped sibling)
 * ```
 *
 * The machine only holds state and context; the actor cell (actor.ts) performs the side effects
 * and sends the events. Backoff deadlines live in context, because xstate loses pending `after`
 * delays on restore. Each actor runs its own root xstate actor with an error observer attached.
 */
import { assign, createActor, setup, type ActorRefFrom, type SnapshotFrom } from 'xstate';

/** The lifecycle states, as named in ARCHITECTURE.md section 3. */
export const LifecycleState = {
  Starting: 'starting',
  Recovering: 'recovering',
  Running: 'running',
  Stopping: 'stopping',
  Stopped: 'stopped',
  Failed: 'failed',
  Backoff: 'backoff',
} as const;
export type LifecycleState = (typeof LifecycleState)[keyof typeof LifecycleState];

export interface LifecycleContext {
  /** Times this actor was started again after its first start. */
  restarts: number;
  /** Failures seen since the actor was created. */
  failures: number;
  lastError: string | undefined;
  /** When the pending restart is due (ms since epoch), while in backoff. */
  backoffDeadline: number | undefined;
  /** When the current state was entered (set by the cell through `at`). */
  since: number;
  /** When the actor last became running. */
  runningSince: number | undefined;
}

export type LifecycleEvent =
  | { type: 'RECOVER'; at: number }
  | { type: 'RECOVERED'; at: number }
  | { type: 'FAIL'; at: number; error: string }
  | { type: 'STOP'; at: number }
  | { type: 'STOPPED'; at: number }
  | { type: 'BACKOFF'; at: number; deadline: number }
  | { type: 'RESTART'; at: number }
  | { type: 'START'; at: number };

/** The lifecycle machine definition (shared by every actor). */
export const lifecycleMachine = setup({
  types: { context: {} as LifecycleContext, events: {} as LifecycleEvent, input: {} as { at: number } },
  actions: {
    enter: assign({ since: ({ event }) => event.at }),
    recordFailure: assign({
      failures: ({ context }) => context.failures + 1,
      lastError: ({ event }) => (event.type === 'FAIL' ? event.error : undefined),
      runningSince: () => undefined,
    }),
    setDeadline: assign({ backoffDeadline: ({ event }) => (event.type === 'BACKOFF' ? event.deadline : undefined) }),
    clearDeadline: assign({ backoffDeadline: () => undefined }),
    countRestart: assign({ restarts: ({ context }) => context.restarts + 1 }),
    markRunning: assign({ runningSince: ({ event }) => event.at }),
    markNotRunning: assign({ runningSince: () => undefined }),
  },
}).createMachine({
  id: 'lifecycle',
  initial: 'starting',
  context: ({ input }) => ({
    restarts: 0,
    failures: 0,
    lastError: undefined,
    backoffDeadline: undefined,
    since: input.at,
    runningSince: undefined,
  }),
  states: {
    starting: {
      on: {
        RECOVER: { target: 'recovering', actions: 'enter' },
        FAIL: { target: 'failed', actions: ['enter', 'recordFailure'] },
        STOP: { target: 'stopping', actions: 'enter' },
      },
    },
    recovering: {
      on: {
        RECOVERED: { target: 'running', actions: ['enter', 'markRunning'] },
        FAIL: { target: 'failed', actions: ['enter', 'recordFailure'] },
        STOP: { target: 'stopping', actions: 'enter' },
      },
    },
    running: {
      on: {
        FAIL: { target: 'failed', actions: ['enter', 'recordFailure'] },
        STOP: { target: 'stopping', actions: ['enter', 'markNotRunning'] },
      },
    },
    stopping: {
      on: {
        STOPPED: { target: 'stopped', actions: 'enter' },
        FAIL: { target: 'stopped', actions: ['enter', 'recordFailure'] },
      },
    },
    stopped: {
      on: { START: { target: 'starting', actions: ['enter', 'countRestart', 'clearDeadline'] } },
    },
    failed: {
      on: {
        BACKOFF: { target: 'backoff', actions: ['enter', 'setDeadline'] },
        STOP: { target: 'stopped', actions: 'enter' },
        STOPPED: { target: 'stopped', actions: 'enter' },
      },
    },
    backoff: {
      on: {
        RESTART: { target: 'starting', actions: ['enter', 'countRestart', 'clearDeadline'] },
        STOP: { target: 'stopped', actions: ['enter', 'clearDeadline'] },
        STOPPED: { target: 'stopped', actions: ['enter', 'clearDeadline'] },
      },
    },
  },
});

export type LifecycleActor = ActorRefFrom<typeof lifecycleMachine>;
export type LifecycleSnapshot = SnapshotFrom<typeof lifecycleMachine>;

/**
 * Creates and starts one actor's lifecycle as its own root xstate actor. `onError` receives any
 * error the xstate actor reports (an unobserved one would crash the process).
 */
export function startLifecycle(at: number, onError: (err: unknown) => void): LifecycleActor {
  const actor = createActor(lifecycleMachine, { input: { at } });
  actor.subscribe({ error: onError });
  actor.start();
  return actor;
}
