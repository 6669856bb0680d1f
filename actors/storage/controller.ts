/**
 * The storage controller (one per region): durably records source definitions, places each
 * collection actor on a storage host process (a durable actor of that host, so the host restarts
 * it after a crash), answers CreateSource / DropSource / AllowCompaction / ListCollections, and
 * after its own restart adopts the collections that are still running: it re-sends the idempotent
 * StartActor, which a host answers without touching an actor it already runs. Collections keep
 * ingesting and serving while the controller is down; only creating and dropping waits for it.
 */
import { MessageSet } from '../../protocol/message.js';
import { CONTROLLER_COMMANDS, type ControllerCommand, type CreateSink, type CreateSource } from '../../protocol/storage/command.js';
import { collectionSubject, storageControllerSubject } from '../../protocol/storage/subjects.js';
import type { SinkSpec } from '../../protocol/storage/sink.js';
import { UnknownCollectionError } from '../../protocol/storage/errors.js';
import { InvalidRequestError, isErrorCode } from '../../protocol/errors.js';
import { hostSubject } from '../../protocol/subjects.js';
import type { SourceSpec } from '../../protocol/storage/source.js';
import type { CollectionSummary } from '../../protocol/storage/response.js';
import type { ActorBehavior, ActorContext, Reply } from '../../runtime/actor.js';
import type { ActorKind } from '../../runtime/host.js';
import type { Typed } from '../../runtime/transport.js';
import { isDeepStrictEqual } from 'node:util';
import { HostIncarnations } from './host-incarnations.js';

interface SourceRecord {
  id: string;
  spec: SourceSpec;
  host: string;
  createdAt: number;
}

/** A sink, run by a `sink` actor on its host (actors/storage/sinks/). */
interface SinkRecord {
  id: string;
  sink: SinkSpec;
  host: string;
  createdAt: number;
}

export interface StorageControllerConfig {
  /** Storage host processes collections are placed on. */
  hosts: string[];
}

const ENSURE_RETRY_MS = 1000;
const commands = new MessageSet<ControllerCommand>(CONTROLLER_COMMANDS);

export class StorageController implements ActorBehavior<ControllerCommand> {
  readonly commands = commands;
  private readonly records = new Map<string, SourceRecord>();
  private readonly sinks = new Map<string, SinkRecord>();
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private incarnations: HostIncarnations | undefined;
  adopted = 0;

  constructor(private readonly ctx: ActorContext) {}

  private get hosts(): string[] {
    const hosts = (this.ctx.config as StorageControllerConfig | undefined)?.hosts;
    return hosts && hosts.length > 0 ? hosts : ['storage-0'];
  }

  async recover(): Promise<void> {
    for await (const [, record] of this.ctx.store.entries<SourceRecord>({ gte: 'source/', lt: 'source/\xff' })) {
      this.records.set(record.id, record);
      this.pending.add(record.id);
    }
    for await (const [, record] of this.ctx.store.entries<SinkRecord>({ gte: 'sink/', lt: 'sink/\xff' })) {
      this.sinks.set(record.id, record);
      this.pending.add(record.id);
    }
    // A host that restarted may have lost its data dir (or be a new process elsewhere, on the
    // JetStream backend): everything placed on it is started there again (StartActor is idempotent).
    this.incarnations = new HostIncarnations(this.ctx.transport, this.ctx.region, this.hosts, (host) => {
      for (const r of this.records.values()) if (r.host === host) this.pending.add(r.id);
      for (const r of this.sinks.values()) if (r.host === host) this.pending.add(r.id);
      void this.ensureAll();
    });
    this.timer = setInterval(() => void this.ensureAll(), ENSURE_RETRY_MS);
    this.timer.unref();
    void this.ensureAll();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.incarnations?.close();
  }

  handle(cmd: ControllerCommand): Reply | Promise<Reply> {
    switch (cmd.type) {
      case 'CreateSource':
        return this.create(cmd);
      case 'DropSource':
        return this.dropSource(cmd.id);
      case 'CreateSink':
        return this.createSink(cmd);
      case 'DropSink':
        return this.dropSink(cmd.id);
      case 'AllowCompaction':
        this.record(cmd.collection);
        return this.ctx.transport.request(collectionSubject(this.ctx.region, cmd.collection), cmd);
      case 'ListCollections':
        return this.list();
      default:
        return assertNever(cmd);
    }
  }

  info(): Record<string, unknown> {
    return { collections: this.records.size, pendingPlacement: this.pending.size, adopted: this.adopted };
  }

  private record(id: string): SourceRecord {
    const record = this.records.get(id);
    if (!record) throw new UnknownCollectionError(`unknown collection "${id}"`);
    return record;
  }

  private async create(cmd: CreateSource): Promise<Reply> {
    checkSourceSpec(cmd.spec);
    const existing = this.records.get(cmd.id);
    if (existing) {
      if (!isDeepStrictEqual(existing.spec, cmd.spec)) {
        throw new InvalidRequestError(`collection ${cmd.id} already exists with a different source definition`);
      }
    } else {
      const hosts = this.hosts;
      const host = hosts[hashString(cmd.id) % hosts.length]!;
      const record: SourceRecord = { id: cmd.id, spec: cmd.spec, host, createdAt: this.ctx.clock.now() };
      await this.ctx.store.batch([{ type: 'put', key: `source/${cmd.id}`, value: record }]);
      this.records.set(cmd.id, record);
    }
    await this.ensure(this.records.get(cmd.id)!);
    return { type: 'Ok', detail: existing ? `collection ${cmd.id} already exists` : `collection ${cmd.id} created` };
  }

  /**
   * Records the sink and starts it on the host of the collection it reads. Its read hold
   * (`sink:<id>`) is placed at `asOf` first, so what it must publish stays readable.
   */
  private async createSink(cmd: CreateSink): Promise<Reply> {
    const from = this.record(cmd.spec.from);
    checkSinkSpec(cmd.spec);
    if (this.records.has(cmd.id)) throw new InvalidRequestError(`${cmd.id} is a collection, not a sink`);
    const existing = this.sinks.get(cmd.id);
    if (existing) {
      if (!isDeepStrictEqual(existing.sink, cmd.spec)) throw new InvalidRequestError(`sink ${cmd.id} already exists with a different definition`);
    } else {
      await this.ctx.transport.request(collectionSubject(this.ctx.region, from.id), { type: 'AllowCompaction', collection: from.id, holder: `sink:${cmd.id}`, since: [cmd.spec.asOf] });
      const record: SinkRecord = { id: cmd.id, sink: cmd.spec, host: from.host, createdAt: this.ctx.clock.now() };
      await this.ctx.store.batch([{ type: 'put', key: `sink/${cmd.id}`, value: record }]);
      this.sinks.set(cmd.id, record);
    }
    await this.ensureSink(this.sinks.get(cmd.id)!);
    return { type: 'Ok', detail: existing ? `sink ${cmd.id} already exists` : `sink ${cmd.id} created` };
  }

  private async dropSink(id: string): Promise<Reply> {
    const record = this.sinks.get(id);
    if (!record) throw new UnknownCollectionError(`unknown sink "${id}"`);
    try {
      await this.ctx.transport.request(hostSubject(this.ctx.region, record.host), { type: 'StopActor', id });
    } catch (err) {
      if (!isErrorCode(err, 'NotFound') && !isErrorCode(err, 'NoResponders')) throw err;
    }
    if (this.records.has(record.sink.from)) {
      await this.ctx.transport
        .request(collectionSubject(this.ctx.region, record.sink.from), { type: 'AllowCompaction', collection: record.sink.from, holder: `sink:${id}`, since: [] })
        .catch(() => undefined); // a collection not running now: its hold goes with a later drop
    }
    await this.ctx.store.batch([{ type: 'del', key: `sink/${id}` }]);
    this.sinks.delete(id);
    this.pending.delete(id);
    return { type: 'Ok', detail: `sink ${id} dropped` };
  }

  private async ensureSink(record: SinkRecord): Promise<void> {
    await this.ctx.transport.request(hostSubject(this.ctx.region, record.host), {
      type: 'StartActor',
      actor: { kind: 'sink', id: record.id, config: { spec: record.sink } },
    });
    this.pending.delete(record.id);
  }

  private async dropSource(id: string): Promise<Reply> {
    const record = this.record(id);
    try {
      await this.ctx.transport.request(collectionSubject(this.ctx.region, id), { type: 'Drop' }, { timeoutMs: 10_000 });
    } catch (err) {
      // A collection that is not running is dropped by deleting its record and host entry below.
      if (!isErrorCode(err, 'NoResponders')) throw err;
    }
    try {
      await this.ctx.transport.request(hostSubject(this.ctx.region, record.host), { type: 'StopActor', id });
    } catch (err) {
      if (!isErrorCode(err, 'NotFound') && !isErrorCode(err, 'NoResponders')) throw err;
    }
    await this.ctx.store.batch([{ type: 'del', key: `source/${id}` }]);
    this.records.delete(id);
    this.pending.delete(id);
    return { type: 'Ok', detail: `collection ${id} dropped` };
  }

  private async list(): Promise<Reply> {
    const collections = await Promise.all(
      [...this.records.values()].map(async (r) => {
        let summary: CollectionSummary | undefined;
        try {
          const info = await this.ctx.transport.request<Typed>(collectionSubject(this.ctx.region, r.id), { type: 'Describe' }, { timeoutMs: 2000 });
          summary = info['collection'] as CollectionSummary;
        } catch {
          summary = undefined;
        }
        return { id: r.id, kind: r.spec.kind, host: r.host, ...(summary ? { summary } : {}) };
      }),
    );
    return { type: 'CollectionList', collections };
  }

  /** Makes sure the collection runs on its host (idempotent: adopts one that already runs). */
  private async ensure(record: SourceRecord): Promise<void> {
    await this.ctx.transport.request(hostSubject(this.ctx.region, record.host), {
      type: 'StartActor',
      actor: { kind: 'collection', id: record.id, config: { spec: record.spec } },
    });
    if (this.pending.delete(record.id)) this.adopted++;
  }

  private ensuring: Promise<void> | undefined;
  private ensureAgain = false;

  /** One pass at a time over the pending placements; a call during a pass runs one more after it. */
  private ensureAll(): Promise<void> {
    if (this.ensuring) {
      this.ensureAgain = true;
      return this.ensuring;
    }
    this.ensuring = (async () => {
      do {
        this.ensureAgain = false;
        await this.ensurePass();
      } while (this.ensureAgain && this.ctx.alive());
    })().finally(() => (this.ensuring = undefined));
    return this.ensuring;
  }

  private async ensurePass(): Promise<void> {
    if (!this.ctx.alive()) {
      if (this.timer) clearInterval(this.timer);
      this.incarnations?.close();
      return;
    }
    for (const id of [...this.pending]) {
      const record = this.records.get(id);
      const sink = this.sinks.get(id);
      // host not up yet: retried on the next tick
      if (record) await this.ensure(record).catch(() => undefined);
      else if (sink) await this.ensureSink(sink).catch(() => undefined);
    }
  }
}

function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) >>> 0;
  return h;
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

export const storageControllerKind: ActorKind = {
  kind: 'storage-controller',
  layer: 'storage',
  create: (ctx: ActorContext) => new StorageController(ctx),
  subject: (region: string) => storageControllerSubject(region),
};

/** What the schema cannot say: an upsert or Debezium source names existing key columns, and only such a source has a key. */
function checkSourceSpec(spec: SourceSpec): void {
  if (spec.kind !== 'jetstream') return;
  const keyed = spec.envelope === 'upsert' || spec.envelope === 'debezium';
  if (keyed && !spec.key) throw new InvalidRequestError(`an ${spec.envelope} source needs key columns`);
  if (!keyed && spec.key) throw new InvalidRequestError('key columns are only for an upsert or debezium source');
  const names = new Set(spec.schema.map((c) => c.name));
  for (const k of spec.key ?? []) if (!names.has(k)) throw new InvalidRequestError(`key column "${k}" is not a column of the source`);
  if (new Set(spec.key).size !== (spec.key ?? []).length) throw new InvalidRequestError('a key column is named twice');
}

/** What the schema cannot say of a sink: an upsert sink has a key, and key columns are columns. */
function checkSinkSpec(spec: SinkSpec): void {
  // definite's own subjects and NATS' are not a sink's to write.
  if (/^(dfn|_INBOX|\$[A-Z]+)(\.|$)/i.test(spec.subject)) throw new InvalidRequestError(`subject "${spec.subject}" is reserved (dfn.*, _INBOX.*, $*)`);
  if (spec.envelope === 'upsert' && !spec.key) throw new InvalidRequestError('an upsert sink needs key columns');
  const names = new Set((spec.errors ? spec.schema.slice(0, -1) : spec.schema).map((c) => c.name));
  for (const k of spec.key ?? []) if (!names.has(k)) throw new InvalidRequestError(`key column "${k}" is not a column of the sink's collection`);
  if (new Set(spec.key).size !== (spec.key ?? []).length) throw new InvalidRequestError('a key column is named twice');
}
