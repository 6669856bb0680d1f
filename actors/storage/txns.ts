/**
 * The txns actor: the transaction log of one storage host's tables, at `txnsSubject(region,
 * host)` (protocol/storage/txns.ts). It keeps one durable value, the txns upper: every table time
 * below it is sealed. `AdvanceTxns` writes the new upper (synced) before it tells the host's
 * tables (through the in-process TxnsFrontier) and replies, so a reader told a time is sealed is
 * never told otherwise after a crash. One durable write (LevelDB, or a compare-and-set in
 * JetStream: txns-upper.ts) and one publication per commit, however many tables the host holds.
 *
 * It also takes `AdvanceUppers` for the host's collections: each item is handed in-process to its
 * collection as an Append with no updates (local-collections.ts), all at once, so the host's
 * store writes them in one group commit and a cluster's idle views cost one request per step.
 * An item with `follow` also asks that its collection follow the txns upper (collection.ts
 * `followTxns`): then the view's sink need not advance it while its inputs are idle.
 */
import { MessageSet } from '../../protocol/message.js';
import { InvalidRequestError } from '../../protocol/errors.js';
import { DefiniteError } from '../../protocol/errors.js';
import { StorageErrorCode } from '../../protocol/storage/errors.js';
import { TXNS_COMMANDS, type AdvanceUppers, type TxnsCommand, type TxnsInfo, type UppersAdvanced } from '../../protocol/storage/txns.js';
import { txnsProgressSubject, txnsSubject } from '../../protocol/storage/subjects.js';
import type { ActorBehavior, ActorContext, Reply } from '../../runtime/actor.js';
import { later } from '../../runtime/actor.js';
import type { ActorKind } from '../../runtime/host.js';
import { txnsFrontierOf, type TxnsFrontier } from './txns-frontier.js';
import { localCollection } from './local-collections.js';
import { openTxnsUpper, type TxnsUpperStore } from './txns-upper.js';
const commands = new MessageSet<TxnsCommand>(TXNS_COMMANDS);

export class Txns implements ActorBehavior<TxnsCommand> {
  readonly commands = commands;
  private frontier!: TxnsFrontier;
  private durable!: TxnsUpperStore;
  private upper = 0;
  private advances = 0;
  /** Advances are written one at a time, in order, so the durable upper never moves back. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: ActorContext) {}

  async recover(): Promise<void> {
    if (this.ctx.id !== this.ctx.hostId) throw new InvalidRequestError(`a txns actor is named after its host: expected id ${this.ctx.hostId}, got ${this.ctx.id}`);
    this.frontier = txnsFrontierOf(this.ctx.region, this.ctx.hostId);
    this.durable = await openTxnsUpper(this.ctx);
    this.upper = this.durable.initial;
    this.frontier.advance(this.upper);
  }

  handle(cmd: TxnsCommand): Reply | Promise<Reply> {
    switch (cmd.type) {
      case 'AdvanceTxns':
        return this.advance(cmd.upper);
      case 'DescribeTxns':
        return this.info();
      case 'AdvanceUppers':
        return later(this.advanceUppers(cmd.items));
      default:
        return assertNever(cmd);
    }
  }

  info(): TxnsInfo {
    return { type: 'TxnsInfo', host: this.ctx.hostId, upper: this.upper, advances: this.advances };
  }

  private async advanceUppers(items: AdvanceUppers['items']): Promise<UppersAdvanced> {
    const results = await Promise.all(
      items.map(async ({ collection, follow, ...args }): Promise<UppersAdvanced['results'][number]> => {
        const c = localCollection(this.ctx.region, collection);
        if (!c) return { ok: false, code: StorageErrorCode.UnknownCollection, message: `collection ${collection} is not running on host ${this.ctx.hostId}` };
        try {
          const r = await c.appendEmpty(args);
          if (follow) return { ok: true, upper: r.upper, duplicate: r.duplicate, following: c.followTxns(follow, r.upper) };
          return { ok: true, upper: r.upper, duplicate: r.duplicate };
        } catch (err) {
          const e = err instanceof DefiniteError ? err : undefined;
          const currentUpper = e?.details['currentUpper'];
          return { ok: false, code: e?.code ?? 'Internal', message: (err as Error).message, ...(typeof currentUpper === 'number' ? { currentUpper } : {}) };
        }
      }),
    );
    return { type: 'UppersAdvanced', results };
  }

  private advance(upper: number): Promise<Reply> {
    const run = this.chain.then(async () => {
      if (upper > this.upper) {
        await this.durable.write(upper);
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
