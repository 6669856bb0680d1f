/**
 * Password authentication of one connection, between its StartupMessage and AuthenticationOk.
 * With `scram-sha-256` (the default): AuthenticationSASL [SCRAM-SHA-256], the client's
 * SASLInitialResponse (client-first-message), AuthenticationSASLContinue (server-first),
 * SASLResponse (client-final), AuthenticationSASLFinal (ServerSignature); on TLS
 * SCRAM-SHA-256-PLUS is offered first (channel binding to the server certificate); with `password`:
 * AuthenticationCleartextPassword and a PasswordMessage checked against the same verifier. An
 * unknown user goes through the same exchange with a verifier no password matches, so it fails
 * the same way as a wrong password: FATAL 28P01 `password authentication failed for user "x"`.
 * A malformed message is FATAL 08P01. Every client message of this phase is type 'p'.
 */
import { randomBytes } from 'node:crypto';
import * as be from './backend.js';
import { BodyReader } from './body-reader.js';
import type { Frame } from './frames.js';
import { ProtocolError } from './protocol-error.js';
import { mockVerifier, ScramAuthFailed, ScramExchange, ScramProtocolError, verifyPassword, type ScramVerifier } from './scram.js';

export type AuthMethod = 'scram-sha-256' | 'password';

export const AUTH_METHODS: readonly AuthMethod[] = ['scram-sha-256', 'password'];

export const InvalidPassword = '28P01';

/** A per-process secret for the mock salts of unknown users (stable salt per name, as Postgres). */
const MOCK_SECRET = randomBytes(32);

export class PasswordAuth {
  private readonly verifier: ScramVerifier;
  private readonly scram: ScramExchange;
  private started = false;

  /** `channelBinding`: tls-server-end-point data on a TLS connection (SCRAM-SHA-256-PLUS offered). */
  constructor(private readonly method: AuthMethod, private readonly user: string, verifier: ScramVerifier | undefined, channelBinding?: Buffer) {
    this.verifier = verifier ?? mockVerifier(user, MOCK_SECRET);
    this.scram = new ScramExchange(this.verifier, channelBinding);
  }

  /** The first authentication request to send. */
  start(): Buffer {
    return this.method === 'password' ? be.authenticationCleartextPassword() : be.authenticationSASL(this.scram.mechanisms());
  }

  /**
   * One client message of the exchange: the reply to send and whether authentication is complete
   * (then AuthenticationOk follows). Throws ProtocolError 28P01 on a wrong password or unknown user.
   */
  step(frame: Frame): { reply?: Buffer; done: boolean } {
    if (frame.type !== 'p') throw new ProtocolError(`expected password response, got message type '${frame.type}'`);
    try {
      return this.method === 'password' ? this.cleartext(frame) : this.sasl(frame);
    } catch (err) {
      if (err instanceof ScramProtocolError) throw new ProtocolError(err.message);
      if (err instanceof ScramAuthFailed) throw this.failed();
      throw err;
    }
  }

  private failed(): ProtocolError {
    return new ProtocolError(`password authentication failed for user "${this.user}"`, InvalidPassword);
  }

  private cleartext(frame: Frame): { done: boolean } {
    const r = new BodyReader(frame.body, 'PasswordMessage');
    const password = r.cstring();
    r.end();
    if (password === '' || !verifyPassword(this.verifier, password)) throw this.failed();
    return { done: true };
  }

  private sasl(frame: Frame): { reply?: Buffer; done: boolean } {
    if (!this.started) {
      this.started = true;
      const r = new BodyReader(frame.body, 'SASLInitialResponse');
      const mechanism = r.cstring();
      const length = r.int32();
      const data = length < 0 ? Buffer.alloc(0) : r.bytes(length);
      r.end();
      return { reply: be.authenticationSASLContinue(this.scram.clientFirst(data.toString('utf8'), mechanism)), done: false };
    }
    return { reply: be.authenticationSASLFinal(this.scram.clientFinal(frame.body.toString('utf8'))), done: true };
  }
}
