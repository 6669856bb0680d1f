/**
 * The coordinator's internal endpoint for sessions in front-end processes: it answers
 * `dfn.<region>.control.coordinator` (protocol/control/coordinator.ts) by calling the in-process
 * session interface (session-backend.ts), one request per method, each handled concurrently.
 * Errors go back as typed error replies (SqlError with its SQLSTATE).
 *
 * Leases: every request renews its front end's lease; the non-resumable SUBSCRIBE read holds a
 * front end took (its pgwire SUBSCRIBEs) are released when the lease lapses (DFN_FRONTEND_LEASE_MS,
 * default 5 s, without a request) or when it says FrontendClosed. A resumable hold (a NATS
 * session's SUBSCRIBE) keeps its own resume window (subscribe-holds.ts), as in-process.
 * After a coordinator restart the endpoint learns the holds again from the progress reports.
 *
 * A reply over the payload limit (a large SELECT result) is kept, encoded, in CHUNK_BYTES parts
 * and answered with CoordChunked; the front end fetches the parts (CoordFetchChunk). A failed
 * statement request answers CoordStatementFailed with the settings its earlier SETs left.
 */
import { randomUUID } from 'node:crypto';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { CHUNK_BYTES, CHUNK_TTL_MS, COORDINATOR_REQUESTS, type CoordinatorRequest } from '../../protocol/control/coordinator.js';
import { encode } from '../../protocol/codec.js';
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import type { StatementResult } from '../../protocol/control/response.js';
import { coordinatorSubject } from '../../protocol/control/subjects.js';
import { Header } from '../../protocol/envelope.js';
import { DefiniteError } from '../../protocol/errors.js';
import { decodeMessage, MessageSet } from '../../protocol/message.js';
import type { Transport, Typed } from '../../runtime/transport.js';
import type { ControlDeps } from './deps.js';
import { InProcessBackend } from './session-backend.js';

const requests = new MessageSet<CoordinatorRequest>(COORDINATOR_REQUESTS);

export const DEFAULT_FRONTEND_LEASE_MS = 5_000;

interface Lease {
  seen: number;
  /** Non-resumable subscriptions this front end holds. */
  holds: Set<string>;
}

export class CoordinatorEndpoint {
  private readonly backend: InProcessBackend;
  private readonly leases = new Map<string, Lease>();
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Replies too large for one message, by id: their parts, and when each expires. */
  private readonly chunked = new Map<string, { parts: Uint8Array[]; expires: number }>();
  /** Holds released because their front end's lease lapsed (for the inspector and tests). */
  expired = 0;
  requests = 0;
  chunkedReplies = 0;

  constructor(
    private readonly transport: Transport,
    private readonly region: string,
    private readonly deps: () => ControlDeps | undefined,
    private readonly now: () => number,
    readonly leaseMs = Number(process.env['DFN_FRONTEND_LEASE_MS']) || DEFAULT_FRONTEND_LEASE_MS,
  ) {
    this.backend = new InProcessBackend(deps);
  }

  start(): void {
    this.sub = this.transport.subscribe(coordinatorSubject(this.region), (msg) => void this.onRequest(msg));
    this.timer = setInterval(() => void this.sweep(), Math.max(100, Math.floor(this.leaseMs / 5)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.sub?.unsubscribe();
  }

  info(): Record<string, unknown> {
    return { frontends: this.leases.size, requests: this.requests, expiredHolds: this.expired, chunkedReplies: this.chunkedReplies, chunkedKept: this.chunked.size };
  }

  private lease(frontend: string): Lease {
    let l = this.leases.get(frontend);
    if (!l) this.leases.set(frontend, (l = { seen: this.now(), holds: new Set() }));
    l.seen = this.now();
    return l;
  }

  /** Releases the holds of every front end whose lease lapsed. */
  async sweep(): Promise<void> {
    for (const [id, c] of this.chunked) if (c.expires < this.now()) this.chunked.delete(id);
    const cutoff = this.now() - this.leaseMs;
    for (const [frontend, l] of [...this.leases]) {
      if (l.seen >= cutoff) continue;
      this.leases.delete(frontend);
      await this.releaseAll(l);
    }
  }

  private async releaseAll(l: Lease): Promise<void> {
    for (const id of l.holds) {
      this.expired++;
      await this.backend.subscribeRelease(id).catch(() => undefined);
    }
    l.holds.clear();
  }

  private async onRequest(msg: Msg): Promise<void> {
    this.requests++;
    try {
      const req = decodeMessage(requests, msg.data, {
        maxPayload: this.transport.maxPayload,
        headerType: msg.headers?.get(Header.Type),
        headerVersion: msg.headers?.get(Header.Version),
      });
      this.transport.respond(msg, this.sized(await this.handle(req)));
    } catch (err) {
      this.transport.respondError(msg, asDefinite(err));
    }
  }

  /** `reply`, or CoordChunked when its body is over the payload limit (its parts kept for CoordFetchChunk). */
  private sized(reply: Typed): Typed {
    if (reply.type !== 'CoordResults' && reply.type !== 'CoordResult') return reply;
    const body = encode(reply);
    if (body.length <= this.transport.maxPayload) return reply;
    const parts: Uint8Array[] = [];
    for (let at = 0; at < body.length; at += CHUNK_BYTES) parts.push(body.subarray(at, at + CHUNK_BYTES));
    const id = `c${randomUUID().replace(/-/g, '')}`;
    this.chunked.set(id, { parts, expires: this.now() + CHUNK_TTL_MS });
    this.chunkedReplies++;
    return { type: 'CoordChunked', id, parts: parts.length, bytes: body.length };
  }

  /** A statement request's failure, with the settings its earlier SETs left (the executor changes them in place). */
  private async statement(settings: Record<string, string>, run: () => Promise<Typed>): Promise<Typed> {
    try {
      return await run();
    } catch (err) {
      return { type: 'CoordStatementFailed', error: asDefinite(err).toBody(), settings };
    }
  }

  private async handle(req: CoordinatorRequest): Promise<Typed> {
    const lease = this.lease(req.frontend);
    if (req.type === 'FrontendLease') return { type: 'CoordAck', ready: this.backend.ready() };
    if (req.type === 'FrontendClosed') {
      this.leases.delete(req.frontend);
      await this.releaseAll(lease);
      return { type: 'CoordAck' };
    }
    if (!this.backend.ready()) throw new SqlError('57P03', 'the coordinator is restarting; retry shortly');
    const b = this.backend;
    switch (req.type) {
      case 'CoordExecuteSql':
        // The executor changes `settings` in place (SET): the reply carries them back.
        return this.statement(req.settings, async () => ({ type: 'CoordResults', results: (await b.executeSql(req.sql, req.settings)).map(clean), settings: req.settings }));
      case 'CoordExecute':
        return this.statement(req.settings, async () => ({ type: 'CoordResult', result: clean(await b.execute(req.statement, req.settings, req.asOf !== undefined ? { asOf: req.asOf } : {})), settings: req.settings }));
      case 'CoordFetchChunk': {
        const c = this.chunked.get(req.id);
        const data = c?.parts[req.part];
        if (!c || !data) throw new SqlError(SqlState.InternalError, `no part ${req.part} of reply ${req.id} (expired after ${CHUNK_TTL_MS} ms, or never made)`);
        c.expires = this.now() + CHUNK_TTL_MS;
        if (req.part === c.parts.length - 1) this.chunked.delete(req.id);
        return { type: 'CoordChunk', data };
      }
      case 'CoordWriteImplicit': {
        const outcome = await b.writeImplicit(req.statements, req.settings);
        if (!outcome) return { type: 'CoordImplicit', planned: false, tags: [] };
        return { type: 'CoordImplicit', planned: true, tags: outcome.tags, ...(outcome.error !== undefined ? { error: asDefinite(outcome.error).toBody() } : {}) };
      }
      case 'CoordPlanInsert': {
        const w = await b.planInsert(req.statement, req.settings);
        return { type: 'CoordInsert', collection: w.collection, rows: w.rows, tag: w.tag };
      }
      case 'CoordCommitWrites':
        return { type: 'CoordCommitted', timestamp: await b.commitWrites(new Map(req.writes), req.dropped) };
      case 'CoordGetTable':
        return { type: 'CoordTable', ...(await b.table(req.name)) };
      case 'CoordValidateSetting':
        return { type: 'CoordSetting', value: await b.validateSetting(req.key, req.value) };
      case 'CoordSubscribeStart': {
        const t = await b.subscribeStart({
          sql: req.sql,
          resumable: req.resumable,
          ...(req.asOfDefault !== undefined ? { asOfDefault: req.asOfDefault } : {}),
          ...(req.resumeFrom !== undefined ? { resumeFrom: req.resumeFrom } : {}),
        });
        if (!req.resumable) lease.holds.add(t.subscription);
        return { type: 'CoordSubscribeTarget', ...t };
      }
      case 'CoordSubscribeProgressed':
        // Also re-learns a hold after a coordinator restart (the lease map is not durable).
        if (req.subscription.startsWith('pg-')) lease.holds.add(req.subscription);
        b.subscribeProgressed(req.subscription, req.t);
        return { type: 'CoordAck' };
      case 'CoordSubscribeRelease':
        lease.holds.delete(req.subscription);
        await b.subscribeRelease(req.subscription);
        return { type: 'CoordAck' };
      default:
        return assertNever(req);
    }
  }
}

/** A StatementResult without undefined fields (the schema has no undefined). */
function clean(r: StatementResult): StatementResult {
  const out: StatementResult = { tag: r.tag };
  if (r.columns !== undefined) out.columns = r.columns;
  if (r.rows !== undefined) out.rows = r.rows;
  if (r.timestamp !== undefined) out.timestamp = r.timestamp;
  if (r.notices !== undefined) out.notices = r.notices;
  return out;
}

function asDefinite(err: unknown): DefiniteError {
  if (err instanceof DefiniteError) return err;
  return new SqlError(SqlState.InternalError, (err as Error)?.message ?? String(err), { determinacy: 'indeterminate' });
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}
