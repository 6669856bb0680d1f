/**
 * The txns actor: the transaction log of one storage host's tables, at `txnsSubject(region,
 * host)` (protocol/storage/txns.ts). It keeps one durable value, the txns upper: every table time
 * below it is sealed. `AdvanceTxns` writes the new upper (synced) before it tells the host's
 * tables (through the in-process TxnsFrontier) and replies, so a reader told a time is sealed is
 * never told otherwise after a crash. One LevelDB write and one publication per commit, however
 * many tables the host holds.
 */
import { MessageSet } from '../../protocol/message.js';
import { InvalidRequestError } from '../../protocol/errors.js';
import { TXNS_COMMANDS, type TxnsCommand, type TxnsInfo } from '../../protocol/storage/txns.js';
import { txnsProgressSubject, txnsSubject } from '../../protocol/storage/subjects.js';
import type { ActorBehavior, ActorContext, Reply } from '../../runtime/actor.js';
import type { ActorKind } from '../../runtime/host.js';
import { txnsFrontierOf, type TxnsFrontier } from './txns-frontier.js';

const UPPER = 'upper';
const commands = new MessageSet<TxnsCommand>(TXNS_COMMANDS);

export class Txns implements ActorBehavior<TxnsCommand> {
  readonly commands = commands;
  private frontier!: TxnsFrontier;
  private upper = 0;
  private advances = 0;
  /** Advances are written one at a time, in order, so the durable upper never moves back. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: ActorContext) {}

  async recover(): Promise<void> {
    if (this.ctx.id !== this.ctx.hostId) throw new InvalidRequestError(`a txns actor is named after its host: expected id ${this.ctx.hostId}, got ${this.ctx.id}`);
    this.frontier = txnsFrontierOf(this.ctx.region, this.ctx.hostId);
    this.upper = (await this.ctx.store.get<number>(UPPER)) ?? 0;
    this.frontier.advance(this.upper);
  }

  handle(cmd: TxnsCommand): Reply | Promise<Reply> {
    switch (cmd.type) {
      case 'AdvanceTxns':
        return this.advance(cmd.upper);
      case 'DescribeTxns':
        return this.info();
      default:
        return assertNever(cmd);
    }
  }

  info(): TxnsInfo {
    return { type: 'TxnsInfo', host: this.ctx.hostId, upper: this.upper, advances: this.advances };
  }

  private advance(upper: number): Promise<Reply> {
    const run = this.chain.then(async () => {
      if (upper > this.upper) {
        await this.ctx.store.batch([{ type: 'put', key: UPPER, value: upper }], { sync: true });
        this.upper = upper;
        this.advances++;
        this.frontier.advance(upper);
        this.ctx.transport.publish(txnsProgressSubject(this.ctx.region, this.ctx.hostId), { type: 'TxnsProgress', host: this.ctx.hostId, upper });
      }
      return this.info();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

export const txnsKind: ActorKind = {
  kind: 'txns',
  layer: 'storage',
  create: (ctx: ActorContext) => new Txns(ctx),
  subject: (region: string, id: string) => txnsSubject(region, id),
};
