/**
 * A session's SUBSCRIBEs: each streams a table, source or materialized view from STORAGE to the
 * client's inbox as SubscribeBatch messages (protocol/control/response.ts): the snapshot at the
 * chosen `AS OF` as updates at that time, then every later update in time order, and (with
 * PROGRESS) `progress: t` once every update before `t` was sent. A client resumes after a
 * disconnect with `asOf` = the last progress it received: the stream continues with the updates
 * at times >= that progress and no snapshot, so nothing is missed or repeated; a read hold
 * (subscribe-holds.ts) keeps that history for the resume window, also across CONTROL restarts.
 * Credit is counted and reported; the STORAGE subscription below applies its own flow control.
 */
import { splitUpdates } from '../../protocol/error-column.js';
import type { Subscribe } from '../../protocol/control/command.js';
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import type { SubscribeStarted } from '../../protocol/control/response.js';
import type { StorageSubscription } from '../../protocol/storage/client.js';
import type { Update } from '../../protocol/types.js';
import type { Static } from '@sinclair/typebox';
import type { ActorContext } from '../../runtime/actor.js';
import type { Settings } from './deps.js';
import type { SessionBackend } from './session-backend.js';

interface Live {
  id: string;
  inbox: string;
  seq: number;
  credit: number;
  storage: StorageSubscription | undefined;
  ended: boolean;
}

export class SessionSubscriptions {
  private readonly live = new Map<string, Live>();

  constructor(
    private readonly ctx: ActorContext,
    private readonly backend: () => SessionBackend,
  ) {}

  count(): number {
    return this.live.size;
  }

  async start(cmd: Static<typeof Subscribe>, settings: Settings): Promise<SubscribeStarted> {
    void settings;
    const backend = this.backend();
    const resume = cmd.asOf !== undefined;
    // Held from asOf on, so this stream can be resumed even after its session is gone.
    const target = await backend.subscribeStart({ sql: cmd.sql, resumable: true, ...(resume ? { resumeFrom: cmd.asOf! } : {}) });
    const progress = cmd.progress ?? target.progress;
    const { subscription: id, asOf } = target;
    const sub: Live = { id, inbox: cmd.inbox, seq: 0, credit: cmd.credit ?? 0, storage: undefined, ended: false };
    this.live.set(id, sub);
    const send = (updates: Update[], p?: number, ended?: string) => {
      if (sub.ended) return;
      if (ended) sub.ended = true;
      this.ctx.transport.publish(sub.inbox, {
        type: 'SubscribeBatch',
        subscription: id,
        seq: sub.seq++,
        updates,
        ...(p !== undefined ? { progress: p } : {}),
        ...(ended ? { ended } : {}),
      });
    };
    try {
      sub.storage = await this.openStorage(backend, target.collection, target.errors, asOf, resume, progress, id, send);
    } catch (err) {
      this.live.delete(id);
      await backend.subscribeRelease(id);
      throw err;
    }
    return { type: 'SubscribeStarted', subscription: id, columns: target.columns, asOf };
  }

  /** The STORAGE subscription behind a SUBSCRIBE: batches to the inbox, progress moves the read hold. */
  private openStorage(
    backend: SessionBackend,
    collection: string,
    /** A materialized view's collection: data rows lose the error column; an error ends the stream. */
    errors: boolean,
    asOf: number,
    resume: boolean,
    progress: boolean | undefined,
    id: string,
    send: (updates: Update[], p?: number, ended?: string) => void,
  ): Promise<StorageSubscription> {
    return backend.storage.subscribe(
      collection,
      asOf,
      {
        updates: (u) => {
          if (!errors) {
            if (u.length > 0) send(u);
            return;
          }
          const split = splitUpdates(u);
          const error = split.errors.find(([, , diff]) => diff > 0);
          if (split.data.length > 0) send(split.data);
          if (error) {
            send([], undefined, `failed: ${error[0]}`);
            this.cancel(id);
          }
        },
        progress: (upper) => {
          if (upper.length === 0) {
            send([], undefined, 'dropped');
            this.cancel(id);
          } else {
            if (progress) send([], upper[0]);
            backend.subscribeProgressed(id, upper[0]!);
          }
        },
        failed: (err) => {
          send([], undefined, `failed: ${err.message}`);
          this.cancel(id);
        },
      },
      { snapshot: !resume },
    );
  }

  credit(id: string, batches: number): void {
    this.require(id).credit += batches;
  }

  /**
   * Ends a subscription. Its read hold is released unless `keepHold` (the process is stopping:
   * the client may resume on a new session after the restart, within the resume window).
   */
  cancel(id: string, reason = 'canceled', keepHold = false): void {
    const sub = this.live.get(id);
    if (!sub) return;
    sub.storage?.cancel();
    if (!keepHold) void this.backend().subscribeRelease(id).catch(() => undefined);
    if (!sub.ended) {
      sub.ended = true;
      this.ctx.transport.publish(sub.inbox, { type: 'SubscribeBatch', subscription: id, seq: sub.seq++, updates: [], ended: reason });
    }
    this.live.delete(id);
  }

  closeAll(reason: string, keepHolds = false): void {
    for (const id of [...this.live.keys()]) this.cancel(id, reason, keepHolds);
  }

  private require(id: string): Live {
    const sub = this.live.get(id);
    if (!sub) throw new SqlError(SqlState.UndefinedObject, `no subscription "${id}" in this session`);
    return sub;
  }
}
