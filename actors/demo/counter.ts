/**
 * The demo counter actor: a durable integer. It recovers its value from its sublevel, commits every
 * increment before replying, and crashes on request. Used to exercise the runtime (supervision,
 * host restarts, NATS restarts) and by the request/reply benchmark.
 */
import { MessageSet } from '../../protocol/message.js';
import { COUNTER_COMMANDS, type CounterCommand } from '../../protocol/demo/messages.js';
import type { ActorBehavior, ActorContext, Reply } from '../../runtime/actor.js';
import type { ActorKind } from '../../runtime/host.js';

const commands = new MessageSet<CounterCommand>(COUNTER_COMMANDS);

class Counter implements ActorBehavior<CounterCommand> {
  readonly commands = commands;
  private value = 0;
  private incarnation = 0;

  constructor(private readonly ctx: ActorContext) {}

  async recover(): Promise<void> {
    this.value = (await this.ctx.store.get<number>('value')) ?? 0;
    this.incarnation = ((await this.ctx.store.get<number>('incarnation')) ?? 0) + 1;
    await this.ctx.store.batch([{ type: 'put', key: 'incarnation', value: this.incarnation }]);
  }

  handle(cmd: CounterCommand): Reply | Promise<Reply> {
    switch (cmd.type) {
      case 'Increment':
        return this.increment(cmd.by);
      case 'GetCount':
        return { type: 'Count', value: this.value, incarnation: this.incarnation };
      case 'Crash':
        throw new Error(`crash requested: ${cmd.reason}`);
      case 'Echo':
        return { type: 'Echoed', payload: cmd.payload };
      default:
        return assertNever(cmd);
    }
  }

  info(): Record<string, unknown> {
    return { value: this.value, incarnation: this.incarnation };
  }

  private async increment(by: number): Promise<Reply> {
    const next = this.value + by;
    await this.ctx.store.batch([{ type: 'put', key: 'value', value: next }]);
    this.value = next;
    return { type: 'Count', value: next, incarnation: this.incarnation };
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

export const counterKind: ActorKind = { kind: 'counter', layer: 'sys', create: (ctx) => new Counter(ctx) };
