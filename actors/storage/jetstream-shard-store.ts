/**
 * The JetStream shard backend (docs/storage.md, "Storage backends"), the way Materialize's persist
 * keeps a shard in blob storage plus a consensus log:
 *
 * - Batch values ("blobs") are entries of the KV bucket `dfn_<region>_batches`, key
 *   `<shard>.<batch key>`, history 1. A key a meta lists is never written again (the shard's
 *   append keys are moved past an older owner's at open: shard.ts `claim`; merged keys carry the
 *   incarnation), so readers of any revision of the meta find what it lists.
 * - The shard's state (`meta`: since, upper, batch list, writer records, ...) is ONE entry of the
 *   KV bucket `dfn_<region>_shards`, key `<shard>`, replaced only by compare-and-set on the
 *   revision this process last read or wrote (a publish with Nats-Expected-Last-Subject-Sequence).
 *
 * A `batch` writes its blob puts first (all acknowledged), then the meta (CAS), then its deletes:
 * a crash at any point leaves at worst unlisted blobs (swept at a later open), never a meta that
 * lists a missing blob. When the CAS finds another revision, another process wrote the shard since
 * this one read it: this store is fenced (`FencedError`) and refuses every later write, so a zombie
 * (a SIGSTOPped or partitioned storage host) can never overwrite its successor's state. A meta
 * write that fails otherwise (a timeout: it may or may not have landed) also ends this store's
 * writes; the shard must be opened again, which reads the revision anew.
 *
 * Durability is JetStream's: a publish is acknowledged once the stream stored it (on R replicas);
 * nats-server 2.10 with `sync_interval: always` fsyncs it first, 2.9 never does (scripts/
 * fetch-nats-2.10.sh). The `sync` option of a batch is ignored.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, JetStreamApiError, JetStreamApiCodes, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { decode, encode } from '../../protocol/codec.js';
import { FencedError } from '../../protocol/storage/errors.js';
import { UnavailableError } from '../../protocol/errors.js';
import { Encoded, type BatchOptions, type KeyRange, type StoreOp } from '../../runtime/store.js';
import type { ShardStore } from './shard-store.js';

const META = 'meta';

export interface JetStreamShardsOptions {
  /** Replicas of both buckets (1 on a single server; 3 on a cluster of three). */
  replicas?: number;
}

/** The two buckets of a region, opened (created when missing) once per process. */
export class JetStreamShards {
  private constructor(
    private readonly jsm: JetStreamManager,
    readonly shards: KV,
    readonly batches: KV,
    private readonly batchesStream: string,
  ) {}

  static async open(nc: NatsConnection, region: string, options: JetStreamShardsOptions = {}): Promise<JetStreamShards> {
    const name = bucketToken(region);
    const kvm = new Kvm(jetstream(nc));
    const limits = { history: 1, replicas: options.replicas ?? 1 };
    const shards = await kvm.create(`dfn_${name}_shards`, limits);
    const batches = await kvm.create(`dfn_${name}_batches`, limits);
    return new JetStreamShards(await jetstreamManager(nc), shards, batches, `KV_dfn_${name}_batches`);
  }

  /** The store of one shard (named as its actor's store: `collection/<id>`). */
  shard(name: string, onFenced?: (err: Error) => void): JetStreamShardStore {
    return new JetStreamShardStore(this, keyToken(name), onFenced);
  }

  /** The last sequence of the batches stream: every blob written so far has a revision at or below it. */
  async batchesHorizon(): Promise<number> {
    return (await this.jsm.streams.info(this.batchesStream)).state.last_seq;
  }
}

export class JetStreamShardStore implements ShardStore {
  readonly shared = true;
  /** The meta's revision this store last read or wrote (0: none exists). */
  private revision: number | undefined;
  /** Blobs written after this stream sequence (after the meta was read) are never orphans to `keys`. */
  private horizon = 0;
  /** Set once a meta write failed: every later write is refused with it. */
  private broken: Error | undefined;
  /** Meta writes, one at a time (the shard serializes them already; this keeps the revision sound). */
  private metaChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly buckets: JetStreamShards,
    private readonly shard: string,
    /** Told once when a meta compare-and-set finds another revision (a newer owner wrote). */
    private readonly onFenced?: (err: Error) => void,
  ) {}

  /** Whether this store was fenced (or lost track of its revision) and writes no more. */
  get fenced(): boolean {
    return this.broken !== undefined;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    if (key === META) {
      this.horizon = await this.buckets.batchesHorizon();
      const e = await this.buckets.shards.get(this.shard);
      this.revision = e && e.operation === 'PUT' ? e.revision : (e?.revision ?? 0);
      return e && e.operation === 'PUT' ? (decode(e.value) as T) : undefined;
    }
    const e = await this.buckets.batches.get(this.blobKey(key));
    return e && e.operation === 'PUT' ? (decode(e.value) as T) : undefined;
  }

  async batch(ops: StoreOp[], _options?: BatchOptions): Promise<void> {
    if (this.broken) throw this.broken;
    if (ops.length === 0) return;
    const puts = ops.filter((op): op is Extract<StoreOp, { type: 'put' }> => op.type === 'put' && op.key !== META);
    const meta = ops.find((op): op is Extract<StoreOp, { type: 'put' }> => op.type === 'put' && op.key === META);
    const dels = ops.filter((op) => op.type === 'del');
    await Promise.all(puts.map((op) => this.buckets.batches.put(this.blobKey(op.key), bytesOf(op.value))));
    if (meta) await this.writeMeta(bytesOf(meta.value));
    await Promise.all(dels.map((op) => this.buckets.batches.delete(this.blobKey(op.key))));
  }

  private writeMeta(bytes: Uint8Array): Promise<void> {
    const run = this.metaChain.then(async () => {
      if (this.broken) throw this.broken;
      if (this.revision === undefined) throw new Error(`shard ${this.shard}: meta written before it was read`);
      try {
        this.revision = await this.buckets.shards.put(this.shard, bytes, { previousSeq: this.revision });
      } catch (err) {
        this.broken = isWrongRevision(err)
          ? new FencedError(`shard ${this.shard}: another process wrote its state since this one read it (revision ${this.revision}); this process writes no more to it`, {
              details: { revision: this.revision },
            })
          : new UnavailableError(`shard ${this.shard}: a state write failed (${(err as Error).message}); it may or may not have landed, so this copy of the shard writes no more: open it again`);
        if (this.broken instanceof FencedError) this.onFenced?.(this.broken);
        throw this.broken;
      }
    });
    this.metaChain = run.catch(() => undefined);
    return run;
  }

  async *entries<T = unknown>(range: KeyRange = {}): AsyncIterable<[string, T]> {
    const keys = await this.listKeys(range);
    const values = await Promise.all(keys.map((k) => this.buckets.batches.get(this.blobKey(k))));
    for (let i = 0; i < keys.length; i++) {
      const e = values[i];
      if (e && e.operation === 'PUT') yield [keys[i]!, decode(e.value) as T];
    }
  }

  async values<T = unknown>(keys: string[]): Promise<Array<T | undefined>> {
    const entries = await Promise.all(keys.map((k) => this.buckets.batches.get(this.blobKey(k))));
    return entries.map((e) => (e && e.operation === 'PUT' ? (decode(e.value) as T) : undefined));
  }

  /**
   * Blob keys in `range` written before the meta was read at open (see ShardStore): only the
   * orphan sweep lists keys, once per open, over several gaps, so the shard's keys are listed
   * once per store and shared by its ranges.
   */
  async *keys(range: KeyRange = {}): AsyncIterable<string> {
    this.listing ??= this.listAll();
    for (const k of select(await this.listing, range)) {
      const e = await this.buckets.batches.get(this.blobKey(k));
      if (e && e.operation === 'PUT' && e.revision <= this.horizon) yield k;
    }
  }

  private blobKey(key: string): string {
    return `${this.shard}.${keyToken(key)}`;
  }

  /** The listing `keys` shares (see there). */
  private listing: Promise<string[]> | undefined;

  /** This shard's blob keys in `range`, in key order. */
  private async listKeys(range: KeyRange): Promise<string[]> {
    return select(await this.listAll(), range);
  }

  /** Every blob key of this shard (unordered). */
  private async listAll(): Promise<string[]> {
    const found: string[] = [];
    const prefix = `${this.shard}.`;
    for await (const k of await this.buckets.batches.keys(`${prefix}>`)) found.push(fromToken(k.slice(prefix.length)));
    return found;
  }
}

/** The keys in `range`, in key order (reversed, limited, as the range says). */
function select(found: string[], range: KeyRange): string[] {
  let keys = found.filter((k) => inRange(k, range)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (range.reverse) keys.reverse();
  if (range.limit !== undefined && range.limit >= 0) keys = keys.slice(0, range.limit);
  return keys;
}

function bytesOf(value: unknown): Uint8Array {
  return value instanceof Encoded ? value.bytes : encode(value);
}

function isWrongRevision(err: unknown): boolean {
  if (err instanceof JetStreamApiError) return err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown;
  return /wrong last sequence/i.test((err as Error)?.message ?? '');
}

function inRange(k: string, r: KeyRange): boolean {
  if (r.gt !== undefined && !(k > r.gt)) return false;
  if (r.gte !== undefined && !(k >= r.gte)) return false;
  if (r.lt !== undefined && !(k < r.lt)) return false;
  if (r.lte !== undefined && !(k <= r.lte)) return false;
  return true;
}

/**
 * A string as one KV key token: characters other than `[-/_a-zA-Z0-9]` (`.` separates tokens,
 * `=` is the escape) become `=XX` (hex of each UTF-8 byte). Reversible, so listed keys decode.
 */
export function keyToken(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[-/_a-zA-Z0-9]/.test(c) ? c : `=${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function fromToken(t: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '=') {
      bytes.push(parseInt(t.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(t.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A region name as part of a bucket name (`[-_a-zA-Z0-9]` only). */
function bucketToken(s: string): string {
  return s.replace(/[^-_a-zA-Z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}
