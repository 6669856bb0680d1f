/**
 * The inspector server's errors. Every failed request gets a JSON body
 * `{type: "Error", code, message, details?}` with an HTTP status; the code is stable (the page and
 * scripts switch on it, never on the text). Failures reported by the platform (typed
 * DefiniteErrors from a host or the orchestrator) keep their own code and map to a status here.
 */
import { DefiniteError, ErrorCode } from '../../protocol/errors.js';

/** Codes of the inspector server's own errors (beside the platform's, passed through). */
export const HttpErrorCode = {
  /** No such path, or no such actor or host. */
  NotFound: 'NotFound',
  /** The request path is not valid percent-encoding. */
  MalformedPath: 'MalformedPath',
  /** The path exists but not for this HTTP method (the `Allow` header lists the right ones). */
  MethodNotAllowed: 'MethodNotAllowed',
  /** The body is not valid JSON. */
  MalformedJson: 'MalformedJson',
  /** The JSON does not match the request's schema. */
  SchemaViolation: 'SchemaViolation',
  /** The body exceeds the limit. */
  PayloadTooLarge: 'PayloadTooLarge',
  /** The body is not `application/json`. */
  UnsupportedMediaType: 'UnsupportedMediaType',
  /** A cross-origin request, or a Host header that is not loopback. */
  Forbidden: 'Forbidden',
  /** The action is well-formed but not possible for this target (e.g. kill the in-process host). */
  InvalidRequest: 'InvalidRequest',
  /** The inspector cannot reach NATS or the platform right now. */
  Unavailable: 'Unavailable',
  /** The NATS monitoring endpoint did not answer. */
  UpstreamUnavailable: 'UpstreamUnavailable',
  /** A bug in the inspector server. */
  Internal: 'Internal',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/** An error answered to an HTTP request. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): { type: 'Error'; code: string; message: string; details?: Record<string, unknown> } {
    return { type: 'Error', code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }

  /** Wraps anything thrown while serving a request; platform errors keep their code. */
  static from(err: unknown): HttpError {
    if (err instanceof HttpError) return err;
    if (err instanceof DefiniteError) return new HttpError(statusOf(err.code), err.code, err.message, { determinacy: err.determinacy, ...err.details });
    return new HttpError(500, HttpErrorCode.Internal, `inspector server error: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** The HTTP status for a platform error code. */
function statusOf(code: string): number {
  switch (code) {
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.InvalidRequest:
      return 409;
    case ErrorCode.SchemaViolation:
    case ErrorCode.MalformedMessage:
    case ErrorCode.UnknownMessageType:
      return 400;
    case ErrorCode.NoResponders:
    case ErrorCode.Unavailable:
      return 503;
    case ErrorCode.Timeout:
      return 504;
    default:
      return 502;
  }
}
