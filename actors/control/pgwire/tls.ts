/**
 * TLS for pgwire: with DFN_PGWIRE_TLS_CERT and DFN_PGWIRE_TLS_KEY (PEM files) the listener
 * answers SSLRequest with 'S' and the connection continues over node:tls on the same socket
 * (`upgradeToTls`); without them, 'N' as before. Bytes the client sent after SSLRequest and before
 * the handshake would be read as plaintext start-up data (CVE-2021-23214): refused with 08P01.
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';

export interface PgTlsConfig {
  certFile: string;
  keyFile: string;
}

/** The TLS configuration (DFN_PGWIRE_TLS_CERT / _KEY), undefined when TLS is off; half of it is an error. */
export function tlsConfig(certFile: string | undefined, keyFile: string | undefined): PgTlsConfig | undefined {
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new Error('DFN_PGWIRE_TLS_CERT and DFN_PGWIRE_TLS_KEY must be set together');
  return { certFile, keyFile };
}

/** Reads the certificate and key (throws if they are unreadable or do not match). */
export function loadSecureContext(config: PgTlsConfig): SecureContext {
  return createSecureContext({ cert: readFileSync(config.certFile), key: readFileSync(config.keyFile), minVersion: 'TLSv1.2' });
}

/** Starts the server side of a TLS handshake on `socket`; the returned socket carries the rest. */
export function upgradeToTls(socket: Socket, secureContext: SecureContext): TLSSocket {
  const tls = new TLSSocket(socket, { isServer: true, secureContext });
  tls.setNoDelay(true);
  return tls;
}
