/**
 * Typed errors that cross an actor or NATS boundary. Each has a stable `code` (carried in the
 * `Dfn-Error` header and in the body) and is rebuilt on the receiving side by
 * `DefiniteError.fromMessage`, so callers never recognise an error by its text.
 * Layer-specific errors (protocol/storage, protocol/compute, protocol/control) subclass
 * `DefiniteError` and register their code with `registerError`.
 */

/** Codes of the errors every receiver may answer with, whatever its layer. */
export const ErrorCode = {
  /** The payload is not valid msgpack. */
  MalformedMessage: 'MalformedMessage',
  /** The payload decoded but does not match the schema of its message type. */
  SchemaViolation: 'SchemaViolation',
  /** The `Dfn-Type` header names a message type this receiver does not handle. */
  UnknownMessageType: 'UnknownMessageType',
  /** The payload is larger than the receiver's limit. */
  PayloadTooLarge: 'PayloadTooLarge',
  /** The `Dfn-Version` header names a protocol version this receiver does not speak. */
  VersionMismatch: 'VersionMismatch',
  /** No reply arrived in time; the outcome is unknown (indeterminate). */
  Timeout: 'Timeout',
  /** Nobody listens on the subject: the actor is not running anywhere. */
  NoResponders: 'NoResponders',
  /** The actor exists but cannot take the message now (recovering with a full stash, stopping). */
  Unavailable: 'Unavailable',
  /** The named actor, host or object is not known. */
  NotFound: 'NotFound',
  /** The request is well-formed but not allowed in the receiver's current state. */
  InvalidRequest: 'InvalidRequest',
  /** The connection's user may not publish or subscribe on the subject. */
  PermissionDenied: 'PermissionDenied',
  /** The receiver failed while handling the message; it has been restarted. */
  Internal: 'Internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Whether a failed operation certainly did not happen (`definite`) or may have happened
 * (`indeterminate`, e.g. a timeout): an indeterminate write must not be blindly retried.
 */
export type Determinacy = 'definite' | 'indeterminate';

/** The body of an error reply, as it travels on the wire. */
export type ErrorBody = {
  type: 'Error';
  code: string;
  message: string;
  determinacy: Determinacy;
  details?: Record<string, unknown>;
};

/** Base class of every typed error in definite. */
export class DefiniteError extends Error {
  override readonly name: string = 'DefiniteError';
  readonly code: string;
  readonly determinacy: Determinacy;
  readonly details: Record<string, unknown>;

  constructor(
    code: string,
    message: string,
    options: { determinacy?: Determinacy; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.determinacy = options.determinacy ?? 'definite';
    this.details = options.details ?? {};
  }

  /** The wire form of this error. */
  toBody(): ErrorBody {
    const body: ErrorBody = { type: 'Error', code: this.code, message: this.message, determinacy: this.determinacy };
    if (Object.keys(this.details).length > 0) body.details = this.details;
    return body;
  }

  /** Rebuilds the registered error class for `body.code` (or a plain DefiniteError). */
  static fromMessage(body: ErrorBody): DefiniteError {
    const ctor = registry.get(body.code);
    const options = { determinacy: body.determinacy, details: body.details ?? {} };
    if (ctor) return ctor(body.message, options);
    return new DefiniteError(body.code, body.message, options);
  }
}

type ErrorFactory = (message: string, options: { determinacy?: Determinacy; details?: Record<string, unknown> }) => DefiniteError;
const registry = new Map<string, ErrorFactory>();

/** Registers the class that `fromMessage` rebuilds for `code`. */
export function registerError(code: string, factory: ErrorFactory): void {
  registry.set(code, factory);
}

/** Defines a DefiniteError subclass for one code and registers it. */
function defineError(code: ErrorCode, defaultDeterminacy: Determinacy = 'definite') {
  const cls = class extends DefiniteError {
    override readonly name: string = `${code}Error`;
    constructor(message: string, options: { determinacy?: Determinacy; details?: Record<string, unknown>; cause?: unknown } = {}) {
      super(code, message, { determinacy: defaultDeterminacy, ...options });
    }
  };
  registerError(code, (message, options) => new cls(message, options));
  return cls;
}

export const MalformedMessageError = defineError(ErrorCode.MalformedMessage);
export const SchemaViolationError = defineError(ErrorCode.SchemaViolation);
export const UnknownMessageTypeError = defineError(ErrorCode.UnknownMessageType);
export const PayloadTooLargeError = defineError(ErrorCode.PayloadTooLarge);
export const VersionMismatchError = defineError(ErrorCode.VersionMismatch);
export const TimeoutError = defineError(ErrorCode.Timeout, 'indeterminate');
export const NoRespondersError = defineError(ErrorCode.NoResponders);
export const UnavailableError = defineError(ErrorCode.Unavailable);
export const NotFoundError = defineError(ErrorCode.NotFound);
export const InvalidRequestError = defineError(ErrorCode.InvalidRequest);
export const PermissionDeniedError = defineError(ErrorCode.PermissionDenied);
export const InternalError = defineError(ErrorCode.Internal, 'indeterminate');

/**
 * True when asking again may succeed: the request timed out (its outcome unknown), nothing
 * answers its subject yet (an actor restarting), or the server is unreachable. Callers retry only
 * what is safe to repeat (idempotent, or with a token).
 */
export function isTransient(err: unknown): boolean {
  return isErrorCode(err, ErrorCode.Timeout) || isErrorCode(err, ErrorCode.NoResponders) || isErrorCode(err, ErrorCode.Unavailable);
}

/** True when `err` is a DefiniteError with the given code. */
export function isErrorCode(err: unknown, code: string): err is DefiniteError {
  return err instanceof DefiniteError && err.code === code;
}
