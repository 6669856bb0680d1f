/**
 * SCRAM channel binding `tls-server-end-point` (RFC 5929 section 4.1), as PostgreSQL offers it
 * on TLS connections (SCRAM-SHA-256-PLUS): the hash of the server's certificate (DER), with the
 * hash function of the certificate's signature algorithm, SHA-256 in place of MD5 and SHA-1.
 * A signature algorithm without a hash of its own (Ed25519, RSASSA-PSS) is not bound: PLUS is
 * then not offered, as Postgres refuses it too.
 */
import { createHash } from 'node:crypto';

/** Signature algorithm OIDs -> the hash tls-server-end-point uses. */
const HASH_OF_SIGNATURE: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'sha256', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5': 'sha256', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha256', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

/** Reads a DER tag and length at `at`; returns where the content starts and its length. */
function header(der: Buffer, at: number, tag: number): { start: number; length: number } {
  if (der[at] !== tag) throw new Error(`certificate: DER tag ${tag} expected at ${at}`);
  let length = der[at + 1]!;
  let start = at + 2;
  if (length >= 0x80) {
    const n = length & 0x7f;
    if (n < 1 || n > 4) throw new Error('certificate: bad DER length');
    length = 0;
    for (let k = 0; k < n; k++) length = length * 256 + der[start + k]!;
    start += n;
  }
  if (start + length > der.length) throw new Error('certificate: truncated DER');
  return { start, length };
}

function oidText(bytes: Buffer): string {
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let value = 0;
  for (let k = 1; k < bytes.length; k++) {
    value = value * 128 + (bytes[k]! & 0x7f);
    if (bytes[k]! < 0x80) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** The signature algorithm OID of a DER certificate: Certificate ::= SEQUENCE { tbs, AlgorithmIdentifier, signature }. */
export function signatureAlgorithm(der: Buffer): string {
  const cert = header(der, 0, 0x30);
  const tbs = header(der, cert.start, 0x30);
  const alg = header(der, tbs.start + tbs.length, 0x30);
  const oid = header(der, alg.start, 0x06);
  return oidText(der.subarray(oid.start, oid.start + oid.length));
}

/** The tls-server-end-point binding data of a DER certificate, or undefined if it cannot be bound. */
export function tlsServerEndPoint(der: Buffer): Buffer | undefined {
  let hash: string | undefined;
  try {
    hash = HASH_OF_SIGNATURE[signatureAlgorithm(der)];
  } catch {
    return undefined;
  }
  return hash ? createHash(hash).update(der).digest() : undefined;
}
