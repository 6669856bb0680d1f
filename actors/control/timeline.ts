/**
 * The timeline actor: a durable, monotone timestamp oracle (protocol/control/timeline.ts).
 * It persists `bound`, a timestamp ahead of everything it has handed out, before handing out
 * anything beyond it; after a crash it restarts from `bound`, so no write timestamp is handed
 * out twice and nothing goes backwards. Persisting in windows (1 s) keeps fsyncs off the hot path.
 */
import { MessageSet } from '../../protocol/message.js';
import { InvalidRequestError } from '../../protocol/errors.js';
import { TIMELINE_COMMANDS, timelineSubject, type TimelineCommand, type TimestampReply } from '../../protocol/control/timeline.js';
import type { ActorBehavior, ActorContext, Reply } from '../../runtime/actor.js';
import type { ActorKind } from '../../runtime/host.js';

const commands = new MessageSet<TimelineCommand>(TIMELINE_COMMANDS);
/** How far ahead of the last handed-out timestamp the persisted bound is moved. */
const WINDOW_MS = 1000;

/** The live oracle incarnation of each timeline subject in this process. */
const live = new Map<string, Timeline>();

/**
 * The read timestamp of the oracle at `subject` if it runs in this process (what a `ReadTs`
 * request would answer), else undefined: ask it over NATS. Reading it directly is equivalent to a
 * ReadTs handled now: a write is acknowledged only after its ApplyWrite was handled, so every
 * acknowledged write is at or below the value returned; an ApplyWrite still in the mailbox
 * belongs to a write not yet acknowledged.
 */
export function localReadTs(subject: string): number | undefined {
  const t = live.get(subject);
  return t && t.running() ? t.currentReadTs() : undefined;
}

class Timeline implements ActorBehavior<TimelineCommand> {
  readonly commands = commands;
  /** Last timestamp handed out by WriteTs (or recovered bound). */
  private writeTs = 0;
  /** Every applied write is at or below this; ReadTs returns it. */
  private readTs = 0;
  /** Persisted: nothing at or beyond it has been handed out. */
  private bound = 0;
  private persisting: Promise<void> | undefined;

  constructor(private readonly ctx: ActorContext) {}

  async recover(): Promise<void> {
    const bound = (await this.ctx.store.get<number>('bound')) ?? 0;
    // Everything handed out before the crash is <= bound: start beyond it.
    this.writeTs = bound;
    this.readTs = bound;
    this.bound = bound;
    live.set(this.ctx.subject, this);
  }

  async stop(): Promise<void> {
    if (live.get(this.ctx.subject) === this) live.delete(this.ctx.subject);
  }

  /** True while this incarnation is the live one (false once it stopped or crashed). */
  running(): boolean {
    return this.ctx.alive();
  }

  currentReadTs(): number {
    return this.readTs;
  }

  handle(cmd: TimelineCommand): Reply | Promise<Reply> {
    switch (cmd.type) {
      case 'WriteTs':
        return this.allocate();
      case 'ReadTs':
        return this.reply(this.readTs);
      case 'ApplyWrite':
        return this.applyWrite(cmd.ts);
      default:
        return assertNever(cmd);
    }
  }

  info(): Record<string, unknown> {
    return { readTs: this.readTs, writeTs: this.writeTs, bound: this.bound };
  }

  /**
   * Makes `ts` visible to reads. A `ts` beyond the last write timestamp is accepted up to this
   * oracle's clock (a read served at a source's since, ahead of readTs, is linearized this way,
   * as Materialize's oracle does): write timestamps then continue beyond it. Later than the clock
   * is refused: nothing can have been written there.
   */
  private async applyWrite(ts: number): Promise<Reply> {
    if (ts > this.writeTs) {
      if (ts > this.ctx.clock.now()) throw new InvalidRequestError(`ApplyWrite at ${ts}, beyond every write timestamp handed out (${this.writeTs}) and the clock`);
      if (ts >= this.bound) await this.persistBound(ts + WINDOW_MS);
      this.writeTs = Math.max(this.writeTs, ts);
    }
    this.readTs = Math.max(this.readTs, ts);
    return this.reply(this.readTs);
  }

  private async allocate(): Promise<Reply> {
    const ts = Math.max(this.ctx.clock.now(), this.writeTs + 1);
    if (ts >= this.bound) await this.persistBound(ts + WINDOW_MS);
    this.writeTs = Math.max(this.writeTs, ts);
    return this.reply(ts);
  }

  private async persistBound(bound: number): Promise<void> {
    while (this.persisting) await this.persisting;
    if (bound <= this.bound) return;
    this.persisting = this.ctx.store.batch([{ type: 'put', key: 'bound', value: bound }]);
    try {
      await this.persisting;
      this.bound = bound;
    } finally {
      this.persisting = undefined;
    }
  }

  private reply(ts: number): TimestampReply {
    return { type: 'Timestamp', ts, readTs: this.readTs, writeTs: this.writeTs };
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

export const timelineKind: ActorKind = {
  kind: 'timeline',
  layer: 'control',
  create: (ctx) => new Timeline(ctx),
  subject: (region, id) => timelineSubject(region, id),
};
