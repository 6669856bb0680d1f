/**
 * The actor cell: runs one actor behaviour under its xstate lifecycle machine. It owns the actor's
 * subscription (its address is its subject), decodes and validates every message against the
 * behaviour's MessageSet, processes messages one at a time, stashes (bounded) what arrives while
 * starting or recovering, replies with typed errors on bad input without crashing, and crashes
 * (to be restarted by its supervisor) when a handler throws anything that is not a DefiniteError.
 */
import type { Msg, Subscription } from '@nats-io/transport-node';
import { decodeMessage, type MessageSet } from '../protocol/message.js';
import { Header } from '../protocol/envelope.js';
import { DefiniteError, InternalError, UnavailableError } from '../protocol/errors.js';
import type { Counters, TreeNode } from '../protocol/inspect/messages.js';
import type { Clock } from './clock.js';
import type { Random } from './random.js';
import type { ActorStore } from './store.js';
import type { Transport, Typed } from './transport.js';
import type { Child, ChildExit } from './child.js';
import { startLifecycle, type LifecycleActor, type LifecycleEvent, type LifecycleState } from './lifecycle.js';

/** What a behaviour may use. One context per incarnation. */
export interface ActorContext {
  readonly kind: string;
  readonly id: string;
  readonly region: string;
  readonly hostId: string;
  readonly subject: string;
  readonly config: unknown;
  readonly store: ActorStore;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: Random;
  /** Crashes this incarnation from background work; the supervisor restarts it. */
  fail(error: unknown): void;
  /** Ends this actor normally (a transient actor is then not restarted). */
  exit(): void;
  /** True while this incarnation is the live one; background loops stop when it turns false. */
  alive(): boolean;
  /** Starts another actor on this host (durable: recorded and restarted with the host). */
  spawn(spec: { kind: string; id: string; config?: unknown }, options?: { durable?: boolean }): Promise<void>;
  /** Stops an actor of this host cleanly and forgets it. */
  stopActor(id: string): Promise<void>;
  /**
   * Stops listening on this actor's subject at once (before it stops): a request sent after this
   * call, e.g. after the reply to the message being handled, gets NATS "no responders" instead of
   * reaching an actor that is on its way out. Resolves once every message NATS routed here before
   * that has arrived; those are still handled, like the ones already received.
   */
  closeSubject(): Promise<void>;
  /**
   * This actor's shared durable state (JetStream backend) was written by a newer owner: this host
   * process was replaced by another one. The host stops at once (the process exits), instead of
   * restarting the actor, which would claim the state back and fence the newer owner in turn.
   * Heeded only from the running, current incarnation (else it crashes the actor, like `fail`).
   */
  superseded(reason: string): void;
}

/** What a host lets its actors do to other actors of the same host. */
export interface Spawner {
  spawn(spec: { kind: string; id: string; config?: unknown }, options?: { durable?: boolean }): Promise<void>;
  stopActor(id: string): Promise<void>;
}

/** A reply the cell sends later, without holding up the mailbox (e.g. a peek waiting for a frontier). */
export class Later {
  constructor(readonly promise: Promise<Typed | undefined>) {}
}
/** Wraps a promise so the cell replies when it settles and meanwhile processes further messages. */
export function later(promise: Promise<Typed | undefined>): Later {
  return new Later(promise);
}

export type Reply = Typed | undefined | Later;

/** Metadata of a received message. */
export interface Incoming {
  subject: string;
  /** The reply subject, when the sender expects a reply. */
  reply: string | undefined;
}

/** An actor's behaviour: created anew for every incarnation by its kind's factory. */
export interface ActorBehavior<M extends Typed = Typed> {
  readonly commands: MessageSet<M>;
  /** Reads durable state and resumes; runs in `recovering`; must not repeat committed side effects. */
  recover?(): Promise<void>;
  /** Handles one validated message. Throw a DefiniteError to answer with it; anything else crashes the actor. */
  handle(message: M, incoming: Incoming): Reply | Promise<Reply>;
  /** The stop hook; may never run (crash-only design). */
  stop?(): Promise<void>;
  /** Actor-specific status for inspection (durable position, upper, ...). */
  info?(): Record<string, unknown>;
}

export type ActorFactory = (ctx: ActorContext) => ActorBehavior<any>;

/** Environment shared by the cells of one host. */
export interface CellEnv {
  region: string;
  hostId: string;
  transport: Transport;
  clock: Clock;
  random: Random;
  /** Receives lifecycle transitions (the host publishes them on inspect subjects). */
  observer?: CellObserver;
  /** Maximum messages stashed while not running. */
  stashLimit?: number;
  spawner?: Spawner;
  /** What `ActorContext.superseded` does (default: crash the actor, like `fail`). */
  superseded?: (reason: string) => void;
}

export interface CellObserver {
  transition(cell: ActorCell, from: LifecycleState, to: LifecycleState): void;
  announce(cell: ActorCell): void;
  countersChanged(cell: ActorCell): void;
}

export interface CellSpec {
  kind: string;
  id: string;
  subject: string;
  config: unknown;
  store: ActorStore;
  factory: ActorFactory;
}

const DEFAULT_STASH_LIMIT = 1000;

/** One actor: its lifecycle, mailbox, stash and subscription. */
export class ActorCell implements Child {
  readonly id: string;
  readonly kind: string;
  readonly subject: string;
  readonly counters: Counters = { messagesIn: 0, messagesOut: 0, errors: 0, mailbox: 0, stashed: 0 };
  readonly startedAt: number;
  private readonly lifecycle: LifecycleActor;
  private behavior: ActorBehavior | undefined;
  private subscription: Subscription | undefined;
  private epoch = 0;
  private mailbox: Msg[] = [];
  private stash: Msg[] = [];
  private draining = false;
  private exitListener: ((exit: ChildExit) => void) | undefined;
  private startedOnce = false;

  constructor(
    private readonly spec: CellSpec,
    private readonly env: CellEnv,
  ) {
    this.id = spec.id;
    this.kind = spec.kind;
    this.subject = spec.subject;
    this.startedAt = env.clock.now();
    this.lifecycle = startLifecycle(this.startedAt, (err) => this.fail(err));
  }

  /** The current lifecycle state. */
  state(): LifecycleState {
    return this.lifecycle.getSnapshot().value as LifecycleState;
  }

  restarts(): number {
    return this.lifecycle.getSnapshot().context.restarts;
  }

  onExit(listener: (exit: ChildExit) => void): void {
    this.exitListener = listener;
  }

  async start(): Promise<void> {
    const state = this.state();
    if (state === 'stopped') this.send({ type: 'START', at: this.env.clock.now() });
    else if (state === 'backoff' || state === 'failed') {
      if (state === 'failed') this.send({ type: 'BACKOFF', at: this.env.clock.now(), deadline: this.env.clock.now() });
      this.send({ type: 'RESTART', at: this.env.clock.now() });
    } else if (state !== 'starting' || this.startedOnce) return;
    this.startedOnce = true;
    const epoch = ++this.epoch;
    try {
      this.behavior = this.spec.factory(this.makeContext(epoch));
      this.ensureSubscribed();
      this.send({ type: 'RECOVER', at: this.env.clock.now() });
      await this.behavior.recover?.();
      if (epoch !== this.epoch || this.state() !== 'recovering') return;
      this.send({ type: 'RECOVERED', at: this.env.clock.now() });
      this.env.observer?.announce(this);
      this.mailbox.push(...this.stash);
      this.stash = [];
      this.counters.stashed = 0;
      this.drain(epoch);
    } catch (err) {
      if (epoch === this.epoch) this.fail(err);
    }
  }

  async stop(timeoutMs: number): Promise<void> {
    const state = this.state();
    if (state === 'stopped') return;
    const epoch = ++this.epoch;
    const behavior = this.behavior;
    this.behavior = undefined;
    if (state === 'failed' || state === 'backoff') {
      this.send({ type: 'STOP', at: this.env.clock.now() });
    } else {
      this.send({ type: 'STOP', at: this.env.clock.now() });
      if (behavior?.stop) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
        await Promise.race([behavior.stop().catch(() => undefined), timeout]);
        clearTimeout(timer);
      }
      if (epoch === this.epoch) this.send({ type: 'STOPPED', at: this.env.clock.now() });
    }
    this.unsubscribe();
    this.rejectWaiting('stopped');
  }

  kill(reason: string): void {
    this.fail(new Error(reason));
  }

  markBackoff(deadline: number): void {
    if (this.state() === 'failed') this.send({ type: 'BACKOFF', at: this.env.clock.now(), deadline });
  }

  /** Crashes the current incarnation (idempotent per incarnation). */
  fail(error: unknown): void {
    const state = this.state();
    if (state === 'failed' || state === 'backoff' || state === 'stopped') return;
    this.epoch++;
    this.behavior = undefined;
    this.counters.errors++;
    this.mailbox = [];
    this.counters.mailbox = 0;
    this.draining = false;
    const message = error instanceof Error ? error.message : String(error);
    this.send({ type: 'FAIL', at: this.env.clock.now(), error: message });
    if (state !== 'stopping') this.exitListener?.({ reason: 'failure', error: message });
  }

  /** Info for inspection from the live behaviour. */
  info(): Record<string, unknown> | undefined {
    try {
      return this.behavior?.info?.();
    } catch {
      return undefined;
    }
  }

  tree(): TreeNode {
    const snap = this.lifecycle.getSnapshot();
    const node: TreeNode = {
      id: this.id,
      role: 'actor',
      kind: this.kind,
      state: String(snap.value),
      subject: this.subject,
      hostId: this.env.hostId,
      startedAt: this.startedAt,
      restarts: snap.context.restarts,
      counters: { ...this.counters },
    };
    if (snap.context.runningSince !== undefined) node.runningSince = snap.context.runningSince;
    if (snap.context.backoffDeadline !== undefined) node.backoffDeadline = snap.context.backoffDeadline;
    if (snap.context.lastError !== undefined) node.lastError = snap.context.lastError;
    const info = this.info();
    if (info) node.info = info;
    return node;
  }

  private send(event: LifecycleEvent): void {
    const from = this.state();
    this.lifecycle.send(event);
    const to = this.state();
    if (from !== to) this.env.observer?.transition(this, from, to);
  }

  private makeContext(epoch: number): ActorContext {
    return {
      kind: this.kind,
      id: this.id,
      region: this.env.region,
      hostId: this.env.hostId,
      subject: this.subject,
      config: this.spec.config,
      store: this.spec.store,
      transport: this.env.transport,
      clock: this.env.clock,
      random: this.env.random,
      fail: (error) => {
        if (epoch === this.epoch) this.fail(error);
      },
      exit: () => {
        if (epoch !== this.epoch) return;
        void this.stop(1000).then(() => this.exitListener?.({ reason: 'normal' }));
      },
      alive: () => epoch === this.epoch && (this.state() === 'running' || this.state() === 'recovering'),
      spawn: (spec, options) => {
        if (!this.env.spawner) throw new Error('this actor cannot spawn actors');
        return this.env.spawner.spawn(spec, options);
      },
      stopActor: (id) => {
        if (!this.env.spawner) throw new Error('this actor cannot stop actors');
        return this.env.spawner.stopActor(id);
      },
      superseded: (reason) => {
        // Only a running, current incarnation speaks for its host: an older incarnation of this
        // actor (its late write lost to its successor's claim) or one still recovering (its claim
        // lost to such a write) is this process's own race, and a restart settles it.
        if (epoch !== this.epoch) return;
        if (this.env.superseded && this.state() === 'running') this.env.superseded(`${this.kind} ${this.id}: ${reason}`);
        else this.fail(new Error(reason));
      },
      closeSubject: () => {
        const sub = this.subscription;
        if (epoch !== this.epoch || !sub) return Promise.resolve();
        this.subscription = undefined;
        // drain() sends the UNSUB now (NATS keeps one connection's order: it reaches the server
        // before any later reply) and still delivers what was routed here before it, until a flush.
        return sub.drain().catch(() => undefined);
      },
    };
  }

  private ensureSubscribed(): void {
    if (this.subscription) return;
    this.subscription = this.env.transport.subscribe(this.subject, (msg) => this.receive(msg));
  }

  private unsubscribe(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  private receive(msg: Msg): void {
    this.counters.messagesIn++;
    this.env.observer?.countersChanged(this);
    const state = this.state();
    if (state === 'running') {
      this.mailbox.push(msg);
      this.counters.mailbox = this.mailbox.length;
      if (!this.draining) this.drain(this.epoch);
    } else if (state === 'starting' || state === 'recovering' || state === 'failed' || state === 'backoff') {
      if (this.stash.length >= (this.env.stashLimit ?? DEFAULT_STASH_LIMIT)) {
        this.replyError(msg, new UnavailableError(`${this.kind} ${this.id} is ${state} and its stash is full`));
      } else {
        this.stash.push(msg);
        this.counters.stashed = this.stash.length;
      }
    } else {
      this.replyError(msg, new UnavailableError(`${this.kind} ${this.id} is ${state}`));
    }
  }

  /** Processes the mailbox in order; an async handler holds the mailbox until it settles. */
  private drain(epoch: number): void {
    this.draining = true;
    while (this.mailbox.length > 0 && epoch === this.epoch) {
      const msg = this.mailbox.shift()!;
      this.counters.mailbox = this.mailbox.length;
      const pending = this.dispatch(msg, epoch);
      if (pending) {
        void pending.then(() => {
          if (epoch === this.epoch) this.drain(epoch);
        });
        return;
      }
    }
    this.draining = false;
  }

  private dispatch(msg: Msg, epoch: number): Promise<void> | undefined {
    const behavior = this.behavior;
    if (!behavior) return undefined;
    let message: Typed;
    try {
      message = decodeMessage(behavior.commands, msg.data, {
        maxPayload: this.env.transport.maxPayload,
        headerType: msg.headers?.get(Header.Type),
        headerVersion: msg.headers?.get(Header.Version),
      });
    } catch (err) {
      this.replyError(msg, err as DefiniteError);
      return undefined;
    }
    let result: Reply | Promise<Reply>;
    try {
      result = behavior.handle(message, { subject: msg.subject, reply: msg.reply });
    } catch (err) {
      this.handlerError(msg, err, epoch);
      return undefined;
    }
    if (result instanceof Promise) {
      return result.then(
        (r) => this.reply(msg, r, epoch),
        (err) => this.handlerError(msg, err, epoch),
      );
    }
    this.reply(msg, result, epoch);
    return undefined;
  }

  private reply(msg: Msg, result: Reply, epoch: number): void {
    if (result instanceof Later) {
      result.promise.then(
        (r) => this.reply(msg, r, epoch),
        (err) => this.handlerError(msg, err, epoch),
      );
      return;
    }
    if (result === undefined || !msg.reply) return;
    this.counters.messagesOut++;
    this.env.transport.respond(msg, result);
  }

  private handlerError(msg: Msg, err: unknown, epoch: number): void {
    if (err instanceof DefiniteError) {
      this.replyError(msg, err);
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    this.replyError(msg, new InternalError(`${this.kind} ${this.id} failed handling a message and is restarting: ${message}`));
    if (epoch === this.epoch) this.fail(err);
  }

  private replyError(msg: Msg, err: DefiniteError): void {
    this.counters.errors++;
    this.counters.messagesOut++;
    this.env.transport.respondError(msg, err);
  }

  private rejectWaiting(why: string): void {
    const waiting = [...this.stash, ...this.mailbox];
    this.stash = [];
    this.mailbox = [];
    this.counters.stashed = 0;
    this.counters.mailbox = 0;
    for (const msg of waiting) this.replyError(msg, new UnavailableError(`${this.kind} ${this.id} ${why}`));
  }
}
