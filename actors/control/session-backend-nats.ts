/**
 * The session interface (session-backend.ts) over NATS, for sessions in a front-end process: each
 * method is one request to `dfn.<region>.control.coordinator` (protocol/control/coordinator.ts),
 * naming this front end and the session; error replies come back as the typed errors they were
 * (SqlError with its SQLSTATE). The front end renews its lease every lease/5 (`startLease`), and
 * says FrontendClosed when it stops cleanly. SUBSCRIBE data is read from STORAGE with this
 * process's own storage client. Progress reports are throttled to one a second per subscription
 * (the holds move at most that often anyway).
 */
import { COORDINATOR_REPLIES, type CoordinatorReply } from '../../protocol/control/coordinator.js';
import type { StatementResult } from '../../protocol/control/response.js';
import { coordinatorSubject } from '../../protocol/control/subjects.js';
import { DefiniteError } from '../../protocol/errors.js';
import { decodeMessage, MessageSet } from '../../protocol/message.js';
import { StorageClient } from '../../protocol/storage/client.js';
import type { Transport, Typed } from '../../runtime/transport.js';
import type { Settings } from './deps.js';
import type { StatementOptions } from './executor.js';
import { DEFAULT_FRONTEND_LEASE_MS } from './coordinator-endpoint.js';
import type { BufferedInsert, ImplicitOutcome, SessionBackend, SubscribeRequest, SubscribeTarget, TableInfo, Writes } from './session-backend.js';
import type { SqlStatement } from './sql/index.js';
import type { EncodedChanges } from './group-commit.js';
import { withDecodedRows } from './update-encoder.js';

const replies = new MessageSet<CoordinatorReply>(COORDINATOR_REPLIES);

/** How long a statement may take at the coordinator (a DDL waits up to DFN_DDL_WAIT_MS, 60 s). */
const STATEMENT_TIMEOUT_MS = 10 * 60_000;
const SHORT_TIMEOUT_MS = 30_000;
const PROGRESS_EVERY_MS = 1_000;

export class NatsBackend implements SessionBackend {
  readonly storage: StorageClient;
  private readonly subject: string;
  private timer: NodeJS.Timeout | undefined;
  private coordinatorReady = true;
  private readonly progressSent = new Map<string, number>();

  constructor(
    private readonly transport: Transport,
    private readonly region: string,
    /** This front end: host id and incarnation. */
    readonly frontend: string,
    private readonly session = 'frontend',
    private readonly shared?: NatsBackend,
  ) {
    this.storage = shared?.storage ?? new StorageClient(transport, region);
    this.subject = coordinatorSubject(region);
  }

  /** The same backend, naming `session` in its requests. */
  forSession(session: string): NatsBackend {
    return new NatsBackend(this.transport, this.region, this.frontend, session.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 128), this.root());
  }

  private root(): NatsBackend {
    return this.shared ?? this;
  }

  /** Renews this front end's lease every `leaseMs / 5`. */
  startLease(leaseMs = Number(process.env['DFN_FRONTEND_LEASE_MS']) || DEFAULT_FRONTEND_LEASE_MS): void {
    const renew = () =>
      this.transport
        .request(this.subject, { type: 'FrontendLease', frontend: this.frontend }, { timeoutMs: leaseMs, replies })
        .then((r) => {
          this.coordinatorReady = r.type === 'CoordAck' ? r.ready !== false : true;
        })
        // No answer (the coordinator is not up yet, or restarting): the statements themselves
        // then fail with a typed error; only the coordinator's own "not ready" refuses connections.
        .catch(() => undefined);
    void renew();
    this.timer = setInterval(renew, Math.max(100, Math.floor(leaseMs / 5)));
    this.timer.unref();
  }

  /** Stops renewing and releases what this front end held. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.transport.request(this.subject, { type: 'FrontendClosed', frontend: this.frontend }, { timeoutMs: 2_000 }).catch(() => undefined);
  }

  ready(): boolean {
    return this.root().coordinatorReady;
  }

  private async call<T extends CoordinatorReply['type']>(message: Typed, expect: T, timeoutMs = STATEMENT_TIMEOUT_MS): Promise<Extract<CoordinatorReply, { type: T }>> {
    let reply = await this.transport.request(this.subject, { ...message, frontend: this.frontend, session: this.session }, { timeoutMs, replies });
    if (reply.type === 'CoordChunked') reply = await this.unchunk(reply);
    if (reply.type === 'CoordStatementFailed') {
      const settings = (message as { settings?: Settings }).settings;
      if (settings) adopt(settings, reply.settings);
      throw DefiniteError.fromMessage(reply.error);
    }
    if (reply.type !== expect) throw new DefiniteError('SchemaViolation', `expected ${expect} from the coordinator, got ${reply.type}`);
    return reply as Extract<CoordinatorReply, { type: T }>;
  }

  /** A reply too large for one message: its parts fetched in order, joined, decoded and checked as any reply. */
  private async unchunk(head: Extract<CoordinatorReply, { type: 'CoordChunked' }>): Promise<CoordinatorReply> {
    const body = new Uint8Array(head.bytes);
    let at = 0;
    for (let part = 0; part < head.parts; part++) {
      const r = await this.transport.request(this.subject, { type: 'CoordFetchChunk', frontend: this.frontend, session: this.session, id: head.id, part }, { timeoutMs: SHORT_TIMEOUT_MS, replies });
      if (r.type !== 'CoordChunk' || at + r.data.length > body.length) throw new DefiniteError('SchemaViolation', `part ${part} of chunked reply ${head.id} does not fit its ${head.bytes} bytes`);
      body.set(r.data, at);
      at += r.data.length;
    }
    if (at !== body.length) throw new DefiniteError('SchemaViolation', `chunked reply ${head.id}: ${at} of ${head.bytes} bytes`);
    return decodeMessage(replies, body, { maxPayload: body.length });
  }

  async executeSql(sql: string, settings: Settings): Promise<StatementResult[]> {
    const r = await this.call({ type: 'CoordExecuteSql', sql, settings }, 'CoordResults');
    adopt(settings, r.settings);
    return r.results;
  }

  async execute(stmt: SqlStatement, settings: Settings, options: StatementOptions = {}): Promise<StatementResult> {
    const statement = { text: stmt.text, offset: stmt.offset };
    const r = await this.call({ type: 'CoordExecute', statement, settings, ...(options.asOf !== undefined ? { asOf: options.asOf } : {}) }, 'CoordResult');
    adopt(settings, r.settings);
    return r.result;
  }

  async writeImplicit(stmts: SqlStatement[], settings: Settings): Promise<ImplicitOutcome | undefined> {
    const r = await this.call({ type: 'CoordWriteImplicit', statements: stmts.map((s) => ({ text: s.text, offset: s.offset })), settings }, 'CoordImplicit');
    if (!r.planned) return undefined;
    return r.error ? { tags: r.tags, error: DefiniteError.fromMessage(r.error) } : { tags: r.tags };
  }

  async planInsert(stmt: SqlStatement, settings: Settings): Promise<BufferedInsert> {
    const r = await this.call({ type: 'CoordPlanInsert', statement: { text: stmt.text, offset: stmt.offset }, settings }, 'CoordInsert');
    return { collection: r.collection, rows: r.rows, tag: r.tag };
  }

  async commitWrites(writes: Writes, dropped: string, encoded?: EncodedChanges): Promise<number> {
    // Encoded rows travel as rows here (the coordinator's group commit encodes them again).
    if (encoded) writes = withDecodedRows(writes, encoded);
    return (await this.call({ type: 'CoordCommitWrites', writes: [...writes], dropped }, 'CoordCommitted')).timestamp;
  }

  async table(name: string): Promise<TableInfo> {
    const r = await this.call({ type: 'CoordGetTable', name }, 'CoordTable', SHORT_TIMEOUT_MS);
    return { name: r.name, collection: r.collection, columns: r.columns };
  }

  async validateSetting(key: string, value: string): Promise<string> {
    return (await this.call({ type: 'CoordValidateSetting', key, value }, 'CoordSetting', SHORT_TIMEOUT_MS)).value;
  }

  async subscribeStart(req: SubscribeRequest): Promise<SubscribeTarget> {
    const r = await this.call({ type: 'CoordSubscribeStart', ...req }, 'CoordSubscribeTarget', 60_000);
    const { type: _type, ...target } = r;
    return target;
  }

  subscribeProgressed(subscription: string, t: number): void {
    const sent = this.root().progressSent;
    const now = Date.now();
    if (now - (sent.get(subscription) ?? 0) < PROGRESS_EVERY_MS) return;
    sent.set(subscription, now);
    void this.call({ type: 'CoordSubscribeProgressed', subscription, t }, 'CoordAck', SHORT_TIMEOUT_MS).catch(() => undefined);
  }

  async subscribeRelease(subscription: string): Promise<void> {
    this.root().progressSent.delete(subscription);
    await this.call({ type: 'CoordSubscribeRelease', subscription }, 'CoordAck', SHORT_TIMEOUT_MS);
  }
}

/** The session's settings become `after` (what the coordinator's SET left), in place as the executor does in-process. */
function adopt(settings: Settings, after: Settings): void {
  for (const k of Object.keys(settings)) if (!(k in after)) delete settings[k];
  Object.assign(settings, after);
}
