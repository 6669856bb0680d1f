/**
 * The NATS transport: one named connection per actor host (or client), reconnecting forever with
 * backoff, and request/reply that speaks definite's envelope (msgpack body + Dfn-* headers) with
 * typed errors. Everything that leaves or enters a process goes through here.
 */
import { connect, headers as natsHeaders, errors as natsErrors } from '@nats-io/transport-node';
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';
import { encode, decode } from '../protocol/codec.js';
import { DEFAULT_MAX_PAYLOAD, Header, PROTOCOL_VERSION } from '../protocol/envelope.js';
import {
  DefiniteError,
  MalformedMessageError,
  NoRespondersError,
  PayloadTooLargeError,
  PermissionDeniedError,
  TimeoutError,
  UnavailableError,
  type ErrorBody,
} from '../protocol/errors.js';
import type { MessageSet } from '../protocol/message.js';
import { RequestMux } from './request-mux.js';

/** How to reach NATS. */
export interface TransportOptions {
  servers: string | string[];
  /** The connection name shown by the server's monitoring (`host:<id>`, `client:<id>`, ...). */
  name: string;
  user?: string | undefined;
  pass?: string | undefined;
  /** Upper bound on one outgoing or incoming body; defaults to DEFAULT_MAX_PAYLOAD. */
  maxPayload?: number;
  /** Default request timeout in ms. */
  timeoutMs?: number;
  /** Wait time between reconnect attempts (jittered by the client). */
  reconnectTimeWaitMs?: number;
  inboxPrefix?: string;
}

/** Options of one request. */
export interface RequestOptions<R extends { type: string }> {
  timeoutMs?: number;
  /** When given, the reply is validated against this set. */
  replies?: MessageSet<R>;
}

/** A message with a `type` discriminator. */
export type Typed = { type: string; [key: string]: unknown };

/** A connected transport. */
export class Transport {
  readonly nc: NatsConnection;
  readonly maxPayload: number;
  private readonly timeoutMs: number;
  private readonly mux: RequestMux;

  private constructor(nc: NatsConnection, options: TransportOptions) {
    this.nc = nc;
    this.mux = new RequestMux(nc, options.inboxPrefix);
    const serverMax = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    this.maxPayload = Math.min(options.maxPayload ?? DEFAULT_MAX_PAYLOAD, serverMax);
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Connects, retrying forever (first connect included) with the client's jittered backoff. */
  static async connect(options: TransportOptions): Promise<Transport> {
    const nc = await connect({
      servers: options.servers,
      name: options.name,
      ...(options.user !== undefined ? { user: options.user, pass: options.pass ?? '' } : {}),
      maxReconnectAttempts: -1,
      waitOnFirstConnect: true,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 250,
      reconnectJitter: 100,
      pingInterval: 10_000,
      // No stack captured per request for async error traces (measured ~10% of a busy process's
      // CPU on the SELECT path); our errors carry the subject and message type instead.
      noAsyncTraces: true,
      ...(options.inboxPrefix !== undefined ? { inboxPrefix: options.inboxPrefix } : {}),
    });
    return new Transport(nc, options);
  }

  /** Encodes a typed message with the envelope headers; refuses bodies over the limit. */
  envelope(message: Typed, errorCode?: string): { data: Uint8Array; headers: MsgHdrs } {
    return this.envelopeOf(message.type, encode(message), errorCode);
  }

  /** The envelope of a message of type `type` whose body is already encoded (`data`); refuses bodies over the limit. */
  private envelopeOf(type: string, data: Uint8Array, errorCode?: string): { data: Uint8Array; headers: MsgHdrs } {
    if (data.length > this.maxPayload) {
      throw new PayloadTooLargeError(`${type} of ${data.length} bytes exceeds the payload limit of ${this.maxPayload}`, {
        details: { size: data.length, limit: this.maxPayload },
      });
    }
    return { data, headers: makeHeaders(type, errorCode) };
  }

  /** Publishes a typed message (fire and forget). */
  publish(subject: string, message: Typed): void {
    const { data, headers } = this.envelope(message);
    this.nc.publish(subject, data, { headers });
  }

  /** Publishes a message of type `type` already encoded (`data`, its msgpack body); refuses it over the limit. */
  publishEncoded(subject: string, type: string, data: Uint8Array): void {
    const envelope = this.envelopeOf(type, data);
    this.nc.publish(subject, envelope.data, { headers: envelope.headers });
  }

  /** Sends a request and returns the decoded reply; error replies and NATS failures throw DefiniteErrors. */
  async request<R extends Typed = Typed>(subject: string, message: Typed, options: RequestOptions<R> = {}): Promise<R> {
    const { data, headers } = this.envelope(message);
    let reply: Msg;
    try {
      reply = await this.mux.request(subject, data, headers, options.timeoutMs ?? this.timeoutMs);
    } catch (err) {
      throw translateNatsError(err, subject, message.type);
    }
    return decodeReply<R>(reply, this.maxPayload, options.replies);
  }

  /** Subscribes with a callback per message. */
  subscribe(subject: string, callback: (msg: Msg) => void, queue?: string): Subscription {
    return this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (!err) callback(msg);
      },
      ...(queue !== undefined ? { queue } : {}),
    });
  }

  /** Replies to `msg` with a typed message. */
  respond(msg: Msg, message: Typed): void {
    if (!msg.reply) return;
    let env: { data: Uint8Array; headers: MsgHdrs };
    try {
      env = this.envelope(message);
    } catch (err) {
      env = this.envelope((err as DefiniteError).toBody(), (err as DefiniteError).code);
    }
    msg.respond(env.data, { headers: env.headers });
  }

  /** Replies to `msg` with a typed error. */
  respondError(msg: Msg, error: DefiniteError): void {
    if (!msg.reply) return;
    const { data, headers } = this.envelope(error.toBody(), error.code);
    msg.respond(data, { headers });
  }

  /** Flushes, then closes the connection (draining subscriptions). */
  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close().catch(() => undefined);
    }
  }
}

/** Builds the envelope headers. */
export function makeHeaders(type: string, errorCode?: string): MsgHdrs {
  const h = natsHeaders();
  h.set(Header.Type, type);
  h.set(Header.Version, String(PROTOCOL_VERSION));
  if (errorCode !== undefined) h.set(Header.Error, errorCode);
  return h;
}

/** Decodes a reply message: an error reply becomes a thrown DefiniteError. */
export function decodeReply<R extends Typed>(reply: Msg, maxPayload: number, replies?: MessageSet<R>): R {
  if (reply.data.length > maxPayload) {
    throw new PayloadTooLargeError(`reply of ${reply.data.length} bytes exceeds the payload limit of ${maxPayload}`);
  }
  const errorCode = reply.headers?.get(Header.Error);
  let body: unknown;
  try {
    body = decode(reply.data);
  } catch (err) {
    throw new MalformedMessageError(`reply is not valid msgpack: ${(err as Error).message}`);
  }
  if (errorCode) {
    const e = body as Partial<ErrorBody>;
    throw DefiniteError.fromMessage({
      type: 'Error',
      code: errorCode,
      message: typeof e?.message === 'string' ? e.message : errorCode,
      determinacy: e?.determinacy === 'indeterminate' ? 'indeterminate' : 'definite',
      ...(e?.details && typeof e.details === 'object' ? { details: e.details } : {}),
    });
  }
  if (replies) return replies.validate(body, reply.headers?.get(Header.Type) || undefined);
  return body as R;
}

/** Maps nats.js request failures onto definite's typed errors. */
export function translateNatsError(err: unknown, subject: string, type: string): DefiniteError {
  if (err instanceof DefiniteError) return err;
  const e = err as Error & { cause?: unknown };
  if (e instanceof natsErrors.RequestError && e.isNoResponders()) {
    return new NoRespondersError(`no responders on ${subject} for ${type}: the actor is not running`, { details: { subject } });
  }
  if (e instanceof natsErrors.NoRespondersError || e.cause instanceof natsErrors.NoRespondersError) {
    return new NoRespondersError(`no responders on ${subject} for ${type}: the actor is not running`, { details: { subject } });
  }
  if (e instanceof natsErrors.TimeoutError || e.cause instanceof natsErrors.TimeoutError) {
    return new TimeoutError(`${type} to ${subject} timed out; its outcome is unknown`, { details: { subject } });
  }
  if (e instanceof natsErrors.PermissionViolationError || e.cause instanceof natsErrors.PermissionViolationError) {
    return new PermissionDeniedError(`permission denied on ${subject}`, { details: { subject } });
  }
  return new UnavailableError(`${type} to ${subject} failed: ${e.message}`, { determinacy: 'indeterminate', details: { subject } });
}
