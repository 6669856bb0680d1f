/**
 * The storage controller (one per region): durably records source definitions, places each
 * collection actor on a storage host process (a durable actor of that host, so the host restarts
 * it after a crash), answers CreateSource / DropSource / AllowCompaction / ListCollections, and
 * after its own restart adopts the collections that are still running: it re-sends the idempotent
 * StartActor, which a host answers without touching an actor it already runs. Collections keep
 * ingesting and serving while the controller is down; only creating and dropping waits for it.
 */
import { MessageSet } from '../../protocol/message.js';
import { CONTROLLER_COMMANDS, type ControllerCommand, type CreateSource } from '../../protocol/storage/command.js';
import { collectionSubject, storageControllerSubject } from '../../protocol/storage/subjects.js';
import { UnknownCollectionError } from '../../protocol/storage/errors.js';
import { InvalidRequestError, isErrorCode } from '../../protocol/errors.js';
import { hostSubject } from '../../protocol/subjects.js';
import type { SourceSpec } from '../../protocol/storage/source.js';
import type { CollectionSummary } from '../../protocol/storage/response.js';
import type { ActorBehavior, ActorContext, Reply } from '../../runtime/actor.js';
import type { ActorKind } from '../../runtime/host.js';
import type { Typed } from '../../runtime/transport.js';
import { isDeepStrictEqual } from 'node:util';

interface SourceRecord {
  id: string;
  spec: SourceSpec;
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
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
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
    this.timer = setInterval(() => void this.ensureAll(), ENSURE_RETRY_MS);
    this.timer.unref();
    void this.ensureAll();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  handle(cmd: ControllerCommand): Reply | Promise<Reply> {
    switch (cmd.type) {
      case 'CreateSource':
        return this.create(cmd);
      case 'DropSource':
        return this.dropSource(cmd.id);
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

  private async ensureAll(): Promise<void> {
    if (!this.ctx.alive()) {
      if (this.timer) clearInterval(this.timer);
      return;
    }
    for (const id of [...this.pending]) {
      const record = this.records.get(id);
      if (!record) continue;
      await this.ensure(record).catch(() => undefined); // host not up yet: retried on the next tick
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
