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
  }

  handle(cmd: TimelineCommand): Reply | Promise<Reply> {
    switch (cmd.type) {
      case 'WriteTs':
        return this.allocate();
      case 'ReadTs':
        return this.reply(this.readTs);
      case 'ApplyWrite':
        if (cmd.ts > this.writeTs) throw new InvalidRequestError(`ApplyWrite at ${cmd.ts}, which this timeline never handed out (last write timestamp ${this.writeTs})`);
        this.readTs = Math.max(this.readTs, cmd.ts);
        return this.reply(this.readTs);
      default:
        return assertNever(cmd);
    }
  }

  info(): Record<string, unknown> {
    return { readTs: this.readTs, writeTs: this.writeTs, bound: this.bound };
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
