/**
 * Message definitions and their compiled validators. A message is a TypeBox object schema with a
 * literal `type` discriminator; a `MessageSet` is the set of types one receiver accepts, compiled
 * once, and `decodeMessage` turns raw bytes plus headers into a validated message or a typed error.
 */
import { Type, type Static, type TObject, type TProperties, type TLiteral } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { decode } from './codec.js';
import {
  MalformedMessageError,
  PayloadTooLargeError,
  SchemaViolationError,
  UnknownMessageTypeError,
  VersionMismatchError,
} from './errors.js';
import { PROTOCOL_VERSION } from './envelope.js';

/** A message schema: an object with `type: Literal<T>`. */
export type MessageSchema<T extends string = string, P extends TProperties = TProperties> = TObject<P & { type: TLiteral<T> }>;

/** Defines a message type: a closed object schema whose `type` field is the literal `type`. */
export function defineMessage<T extends string, P extends TProperties>(
  type: T,
  properties: P,
  description?: string,
): TObject<P & { type: TLiteral<T> }> {
  return Type.Object({ type: Type.Literal(type), ...properties } as P & { type: TLiteral<T> }, {
    $id: type,
    additionalProperties: false,
    ...(description === undefined ? {} : { description }),
  });
}

/** The union of the static types of a list of message schemas. */
export type MessageOf<S extends readonly MessageSchema[]> = Static<S[number]>;

/** A compiled set of message types accepted by one receiver. */
export class MessageSet<M extends { type: string } = { type: string }> {
  private readonly checks = new Map<string, TypeCheck<MessageSchema>>();
  readonly schemas: readonly MessageSchema[];

  constructor(schemas: readonly MessageSchema[]) {
    this.schemas = schemas;
    for (const schema of schemas) {
      const type = (schema.properties.type as TLiteral<string>).const;
      if (this.checks.has(type)) throw new Error(`duplicate message type ${type}`);
      this.checks.set(type, TypeCompiler.Compile(schema));
    }
  }

  /** The message types in this set. */
  types(): string[] {
    return [...this.checks.keys()];
  }

  has(type: string): boolean {
    return this.checks.has(type);
  }

  /** Validates an already-decoded value; throws SchemaViolation / UnknownMessageType. */
  validate(value: unknown, headerType?: string): M {
    const type = headerType ?? (isObject(value) ? value['type'] : undefined);
    if (typeof type !== 'string') throw new SchemaViolationError('message has no string "type" field and no Dfn-Type header');
    const check = this.checks.get(type);
    if (!check) {
      throw new UnknownMessageTypeError(`unknown message type "${type}"; this receiver accepts: ${this.types().join(', ')}`, {
        details: { messageType: type },
      });
    }
    if (!check.Check(value)) {
      const first = check.Errors(value).First();
      const where = first ? `${first.path || '/'}: ${first.message}` : 'invalid';
      throw new SchemaViolationError(`invalid ${type} message at ${where}`, { details: { messageType: type, path: first?.path ?? '' } });
    }
    return value as M;
  }
}

/** Options for `decodeMessage`. */
export interface DecodeOptions {
  maxPayload: number;
  headerType?: string | undefined;
  headerVersion?: string | undefined;
}

/** Decodes and validates bytes against `set`; every failure is a typed DefiniteError. */
export function decodeMessage<M extends { type: string }>(set: MessageSet<M>, bytes: Uint8Array, options: DecodeOptions): M {
  if (bytes.length > options.maxPayload) {
    throw new PayloadTooLargeError(`payload of ${bytes.length} bytes exceeds the limit of ${options.maxPayload}`, {
      details: { size: bytes.length, limit: options.maxPayload },
    });
  }
  if (options.headerVersion !== undefined && options.headerVersion !== '' && Number(options.headerVersion) !== PROTOCOL_VERSION) {
    throw new VersionMismatchError(`protocol version ${options.headerVersion} is not supported (this side speaks ${PROTOCOL_VERSION})`);
  }
  let value: unknown;
  try {
    value = decode(bytes);
  } catch (err) {
    throw new MalformedMessageError(`payload is not valid msgpack: ${(err as Error).message}`);
  }
  if (options.headerType && isObject(value) && value['type'] !== options.headerType) {
    throw new SchemaViolationError(`Dfn-Type header "${options.headerType}" disagrees with body type "${String(value['type'])}"`);
  }
  return set.validate(value, options.headerType || undefined);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
