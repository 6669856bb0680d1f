/**
 * SCRAM-SHA-256 (RFC 5802 / RFC 7677) on the server side, as PostgreSQL does it, with Node's
 * crypto only. A password becomes a verifier (salt, iteration count, StoredKey, ServerKey: what
 * Postgres stores in pg_authid) and the password itself is not kept. `ScramExchange` runs one
 * authentication: client-first-message -> server-first-message, client-final-message -> proof
 * checked against StoredKey -> server-final-message (the ServerSignature proving the server
 * knows ServerKey). On a TLS connection SCRAM-SHA-256-PLUS is offered too, with channel binding
 * `tls-server-end-point` (channel-binding.ts): the client's `c=` must carry the hash of the
 * server's certificate, so a man in the middle with another certificate fails. Without it the gs2
 * flag `n` is accepted, and `y` only when PLUS was not offered (else a downgrade: refused, as
 * Postgres). A cleartext password (AuthenticationCleartextPassword) is
 * checked against the same verifier (`verifyPassword`). Usernames in `n=` are ignored, as
 * Postgres (the start-up packet's user counts). Passwords are taken as their UTF-8 bytes
 * without SASLprep (identical for ASCII passwords).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** What is stored for a user instead of its password. */
export interface ScramVerifier {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** Postgres' default iteration count (scram_iterations). */
export const SCRAM_ITERATIONS = 4096;
export const SCRAM_MECHANISM = 'SCRAM-SHA-256';
export const SCRAM_PLUS_MECHANISM = 'SCRAM-SHA-256-PLUS';

/** A malformed SCRAM message (08P01 in Postgres), as opposed to a wrong password. */
export class ScramProtocolError extends Error {
  override readonly name = 'ScramProtocolError';
}

/** A wrong proof or password (28P01). */
export class ScramAuthFailed extends Error {
  override readonly name = 'ScramAuthFailed';
}

const hmac = (key: Buffer, data: string | Buffer): Buffer => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

function keysOf(saltedPassword: Buffer): { clientKey: Buffer; storedKey: Buffer; serverKey: Buffer } {
  const clientKey = hmac(saltedPassword, 'Client Key');
  return { clientKey, storedKey: sha256(clientKey), serverKey: hmac(saltedPassword, 'Server Key') };
}

/** The verifier of `password` with a fresh random 16-byte salt (as Postgres). */
export function makeVerifier(password: string, iterations = SCRAM_ITERATIONS, salt: Buffer = randomBytes(16)): ScramVerifier {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const { storedKey, serverKey } = keysOf(salted);
  salted.fill(0);
  return { salt, iterations, storedKey, serverKey };
}

/** Postgres' text form: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64). */
export function formatVerifier(v: ScramVerifier): string {
  return `SCRAM-SHA-256$${v.iterations}:${v.salt.toString('base64')}$${v.storedKey.toString('base64')}:${v.serverKey.toString('base64')}`;
}

/** Parses Postgres' text form; undefined if it is not one. */
export function parseVerifier(text: string): ScramVerifier | undefined {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(text);
  if (!m) return undefined;
  const v = { iterations: Number(m[1]), salt: Buffer.from(m[2]!, 'base64'), storedKey: Buffer.from(m[3]!, 'base64'), serverKey: Buffer.from(m[4]!, 'base64') };
  return v.iterations > 0 && v.storedKey.length === 32 && v.serverKey.length === 32 ? v : undefined;
}

/** A verifier no password matches (an unknown user is run through the exchange and fails at the end, as Postgres: no user enumeration). */
export function mockVerifier(user: string, secret: Buffer): ScramVerifier {
  return { salt: hmac(secret, `salt:${user}`).subarray(0, 16), iterations: SCRAM_ITERATIONS, storedKey: randomBytes(32), serverKey: randomBytes(32) };
}

/** Checks a cleartext password against a verifier (constant time in the comparison). */
export function verifyPassword(v: ScramVerifier, password: string): boolean {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), v.salt, v.iterations, 32, 'sha256');
  const { storedKey } = keysOf(salted);
  salted.fill(0);
  return timingSafeEqual(storedKey, v.storedKey);
}

/** `k=v` attributes of a SCRAM message, in order. */
function attributes(message: string): Array<[string, string]> {
  return message.split(',').map((part) => {
    if (!/^[A-Za-z]=/.test(part)) throw new ScramProtocolError(`malformed SCRAM message (attribute expected, got "${part.slice(0, 20)}")`);
    return [part[0]!, part.slice(2)];
  });
}

const PRINTABLE_NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

/** One SCRAM-SHA-256 authentication of one connection. */
export class ScramExchange {
  private clientFirstBare = '';
  private serverFirst = '';
  /** What the client's c= must decode to: the gs2 header, plus the channel binding data with PLUS. */
  private expectedC = Buffer.alloc(0);
  private nonce = '';
  private state: 'first' | 'final' | 'done' = 'first';

  /**
   * `channelBinding`: the tls-server-end-point data when PLUS is offered (TLS), else undefined.
   * `serverNonce`: for tests against published vectors; random otherwise.
   */
  constructor(private readonly verifier: ScramVerifier, private readonly channelBinding?: Buffer, private readonly serverNonce?: string) {}

  /** The mechanisms to offer, best first (as Postgres: PLUS first on TLS). */
  mechanisms(): string[] {
    return this.channelBinding ? [SCRAM_PLUS_MECHANISM, SCRAM_MECHANISM] : [SCRAM_MECHANISM];
  }

  /** client-first-message (the SASLInitialResponse data, for `mechanism`) -> server-first-message. */
  clientFirst(message: string, mechanism = SCRAM_MECHANISM): string {
    if (this.state !== 'first') throw new ScramProtocolError('unexpected SCRAM client-first-message');
    if (!this.mechanisms().includes(mechanism)) throw new ScramProtocolError(`client selected an invalid SASL authentication mechanism "${mechanism}"`);
    const m = /^(n|y|p=[^,]*),(a=[^,]*)?,(.*)$/s.exec(message);
    if (!m) throw new ScramProtocolError('malformed SCRAM message (invalid GS2 header)');
    const flag = m[1]!;
    const plus = mechanism === SCRAM_PLUS_MECHANISM;
    if (plus && !flag.startsWith('p=')) throw new ScramProtocolError('channel binding is required with SCRAM-SHA-256-PLUS, but the client did not request it');
    if (plus && flag !== 'p=tls-server-end-point') throw new ScramProtocolError(`unsupported SCRAM channel-binding type "${flag.slice(2)}"`);
    if (!plus && flag.startsWith('p=')) throw new ScramProtocolError('channel binding requested, but the mechanism is not SCRAM-SHA-256-PLUS');
    if (flag === 'y' && this.channelBinding) throw new ScramProtocolError('SCRAM channel binding negotiation error (the client supports it and the server offered it)');
    if (m[2]) throw new ScramProtocolError('client uses authorization identity, but it is not supported');
    const gs2 = Buffer.from(`${flag},,`, 'latin1');
    this.expectedC = plus ? Buffer.concat([gs2, this.channelBinding!]) : gs2;
    this.clientFirstBare = m[3]!;
    const attrs = attributes(this.clientFirstBare);
    if (attrs[0]?.[0] === 'm') throw new ScramProtocolError('client requires an unsupported SCRAM extension');
    if (attrs[0]?.[0] !== 'n' || attrs[1]?.[0] !== 'r') throw new ScramProtocolError('malformed SCRAM message (n= and r= expected)');
    const clientNonce = attrs[1][1];
    if (!PRINTABLE_NONCE.test(clientNonce)) throw new ScramProtocolError('malformed SCRAM message (invalid nonce)');
    this.nonce = clientNonce + (this.serverNonce ?? randomBytes(18).toString('base64'));
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
    this.state = 'final';
    return this.serverFirst;
  }

  /** client-final-message (the SASLResponse data) -> server-final-message; ScramAuthFailed on a wrong proof. */
  clientFinal(message: string): string {
    if (this.state !== 'final') throw new ScramProtocolError('unexpected SCRAM client-final-message');
    this.state = 'done';
    const attrs = attributes(message);
    const proofAt = attrs.length - 1;
    if (attrs[0]?.[0] !== 'c' || attrs[1]?.[0] !== 'r' || attrs[proofAt]?.[0] !== 'p' || proofAt < 2) {
      throw new ScramProtocolError('malformed SCRAM message (c=, r= and p= expected)');
    }
    if (!Buffer.from(attrs[0][1], 'base64').equals(this.expectedC)) throw new ScramProtocolError('SCRAM channel binding check failed');
    if (attrs[1][1] !== this.nonce) throw new ScramProtocolError('SCRAM nonce mismatch');
    const proof = Buffer.from(attrs[proofAt]![1], 'base64');
    if (proof.length !== 32) throw new ScramProtocolError('malformed SCRAM message (invalid proof)');
    const withoutProof = message.slice(0, message.lastIndexOf(',p='));
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(this.verifier.storedKey, authMessage);
    const clientKey = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    if (!timingSafeEqual(sha256(clientKey), this.verifier.storedKey)) throw new ScramAuthFailed('wrong SCRAM proof');
    return `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`;
  }
}
