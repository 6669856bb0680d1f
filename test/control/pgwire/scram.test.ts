/**
 * The pieces of pgwire authentication on their own: SCRAM-SHA-256 against RFC 7677's published
 * exchange and against PostgreSQL 15's stored verifiers (the oracle, test/helpers/postgres.ts: a role's
 * pg_authid.rolpassword is re-derived byte for byte and checked); channel binding (downgrade and
 * a wrong certificate hash refused; the certificate's signature hash read as openssl prints it);
 * the nats.conf reader and which NATS users become pg users of which account.
 */
import { spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatVerifier, makeVerifier, parseVerifier, ScramAuthFailed, ScramExchange, ScramProtocolError, verifyPassword } from '../../../actors/control/pgwire/scram.js';
import { signatureAlgorithm, tlsServerEndPoint } from '../../../actors/control/pgwire/channel-binding.js';
import { parseNatsConf } from '../../../actors/control/pgwire/nats-conf.js';
import { pgUsersFromConf, subjectMatches } from '../../../actors/control/pgwire/accounts.js';
import { PROJECT_ROOT } from '../../../runtime/nats-server.js';
import { connectOracle } from '../../helpers/postgres.js';

// RFC 7677 section 3: user "user", password "pencil".
const RFC = {
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};
const rfcVerifier = () => makeVerifier('pencil', 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));

test("RFC 7677's exchange: the server-first and server-final messages, byte for byte", () => {
  const x = new ScramExchange(rfcVerifier(), undefined, RFC.serverNonce);
  expect(x.clientFirst(RFC.clientFirst)).toBe(RFC.serverFirst);
  expect(x.clientFinal(RFC.clientFinal)).toBe(RFC.serverFinal);
});

test('a wrong proof fails (ScramAuthFailed); malformed messages, a changed nonce or gs2 header are protocol errors', () => {
  const wrongPassword = new ScramExchange(makeVerifier('not-pencil', 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64')), undefined, RFC.serverNonce);
  wrongPassword.clientFirst(RFC.clientFirst);
  expect(() => wrongPassword.clientFinal(RFC.clientFinal)).toThrow(ScramAuthFailed);
  const first = (msg: string) => () => new ScramExchange(rfcVerifier()).clientFirst(msg);
  expect(first('x,,n=user,r=abc')).toThrow(ScramProtocolError);
  expect(first('n,,r=abc')).toThrow(ScramProtocolError);
  expect(first('n,a=admin,n=user,r=abc')).toThrow(/authorization identity/);
  expect(first('n,,m=ext,n=user,r=abc')).toThrow(/extension/);
  expect(first('p=tls-server-end-point,,n=user,r=abc')).toThrow(/not SCRAM-SHA-256-PLUS/);
  const nonce = new ScramExchange(rfcVerifier(), undefined, RFC.serverNonce);
  nonce.clientFirst(RFC.clientFirst);
  expect(() => nonce.clientFinal(RFC.clientFinal.replace('$k0', '$k1'))).toThrow(/nonce mismatch/);
  const header = new ScramExchange(rfcVerifier(), undefined, RFC.serverNonce);
  header.clientFirst(RFC.clientFirst);
  expect(() => header.clientFinal(RFC.clientFinal.replace('c=biws', 'c=eSws'))).toThrow(/channel binding check failed/);
});

test("PostgreSQL 15's stored verifier: parsed, re-derived from the password and salt, and checked", async () => {
  const oracle = await connectOracle();
  const role = `dfn_scram_${process.pid}`;
  try {
    await oracle.query("SET password_encryption = 'scram-sha-256'");
    await oracle.query(`CREATE ROLE ${role} LOGIN PASSWORD 'correct horse'`);
    const stored = (await oracle.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role])).rows[0].rolpassword as string;
    const v = parseVerifier(stored);
    expect(v).toBeDefined();
    expect(formatVerifier(makeVerifier('correct horse', v!.iterations, v!.salt))).toBe(stored);
    expect(verifyPassword(v!, 'correct horse')).toBe(true);
    expect(verifyPassword(v!, 'correct horsE')).toBe(false);
  } finally {
    await oracle.query(`DROP ROLE IF EXISTS ${role}`);
    await oracle.end();
  }
  expect(parseVerifier('md5abc')).toBeUndefined();
});

test('channel binding: a downgrade (y while PLUS is offered) and a wrong certificate hash are refused', () => {
  const binding = createHash('sha256').update('the certificate').digest();
  const x = new ScramExchange(rfcVerifier(), binding);
  expect(x.mechanisms()).toEqual(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256']);
  expect(() => new ScramExchange(rfcVerifier(), binding).clientFirst('y,,n=*,r=abc')).toThrow(/negotiation error/);
  expect(() => new ScramExchange(rfcVerifier(), binding).clientFirst('n,,n=*,r=abc', 'SCRAM-SHA-256-PLUS')).toThrow(/did not request/);
  expect(() => new ScramExchange(rfcVerifier(), binding).clientFirst('p=tls-unique,,n=*,r=abc', 'SCRAM-SHA-256-PLUS')).toThrow(/unsupported SCRAM channel-binding type/);
  expect(() => new ScramExchange(rfcVerifier()).clientFirst('p=tls-server-end-point,,n=*,r=abc', 'SCRAM-SHA-256-PLUS')).toThrow(/invalid SASL authentication mechanism/);
  // 'y' is fine when PLUS was not offered (plaintext connection), 'n' always.
  expect(new ScramExchange(rfcVerifier()).clientFirst('y,,n=*,r=abc')).toMatch(/^r=abc/);
  // PLUS: c= must be the gs2 header followed by this server's certificate hash.
  const plus = new ScramExchange(rfcVerifier(), binding, 'srv');
  plus.clientFirst('p=tls-server-end-point,,n=*,r=abc', 'SCRAM-SHA-256-PLUS');
  const otherCert = Buffer.concat([Buffer.from('p=tls-server-end-point,,'), createHash('sha256').update('another certificate').digest()]);
  expect(() => plus.clientFinal(`c=${otherCert.toString('base64')},r=abcsrv,p=${Buffer.alloc(32).toString('base64')}`)).toThrow(/channel binding check failed/);
});

test("the certificate's signature hash, as openssl names it, picks tls-server-end-point's hash", () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfn-cb-'));
  try {
    const cases: Array<{ args: string[]; hash: string }> = [
      { args: ['-newkey', 'rsa:2048', '-sha256'], hash: 'sha256' },
      { args: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-sha384'], hash: 'sha384' },
      { args: ['-newkey', 'rsa:2048', '-sha1'], hash: 'sha256' }, // SHA-1 is replaced by SHA-256
    ];
    for (const [k, c] of cases.entries()) {
      const cert = join(dir, `c${k}.pem`);
      const made = spawnSync('openssl', ['req', '-x509', ...c.args, '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, `k${k}.pem`), '-out', cert], { encoding: 'utf8' });
      expect(made.status).toBe(0);
      const der = new X509Certificate(readFileSync(cert)).raw;
      const printed = spawnSync('openssl', ['x509', '-in', cert, '-noout', '-text', '-certopt', 'ext_dump'], { encoding: 'utf8' }).stdout;
      const name = /Signature Algorithm: (\S+)/.exec(printed)![1]!;
      const oids: Record<string, string> = { sha256WithRSAEncryption: '1.2.840.113549.1.1.11', 'ecdsa-with-SHA384': '1.2.840.10045.4.3.3', sha1WithRSAEncryption: '1.2.840.113549.1.1.5' };
      expect(signatureAlgorithm(der)).toBe(oids[name]);
      expect(tlsServerEndPoint(der)).toEqual(createHash(c.hash).update(der).digest());
    }
    expect(tlsServerEndPoint(Buffer.from('not a certificate'))).toBeUndefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nats.conf reader: blocks, arrays, separators, comments, quoted and bare values, variables', () => {
  const conf = parseNatsConf(
    [
      'listen: 127.0.0.1:4222 # a comment',
      'secret = "quoted \\"pw\\""',
      'accounts {',
      '  A: { users: [ { user: a1, password: $secret }, {user: "a2"; password: \'p2\'}',
      '    { user: a3 password: $FROM_ENV } // env variable',
      '    { user: a4, password: $UNSET } ] }',
      '}',
    ].join('\n'),
    { FROM_ENV: 'env-pw' },
  );
  expect(conf['listen']).toBe('127.0.0.1:4222');
  expect(conf['accounts']).toEqual({ A: { users: [{ user: 'a1', password: 'quoted "pw"' }, { user: 'a2', password: 'p2' }, { user: 'a3', password: 'env-pw' }, { user: 'a4' }] } });
  expect(() => parseNatsConf('a { b: 1')).toThrow(/unterminated block/);
  expect(subjectMatches('dfn.*.control.>', 'dfn.r.control.session')).toBe(true);
  expect(subjectMatches('dfn.*.control.>', 'dfn.r.control')).toBe(false);
  expect(subjectMatches('dfn.*.inspect.tree', 'dfn.r.control.session')).toBe(false);
});

test("pg users: each account's NATS client users (not internal, inspector, operator, denied or bcrypt ones); materialize only in DFN", () => {
  const real = readFileSync(join(PROJECT_ROOT, 'nats.conf'), 'utf8');
  const of = (text: string, user: string) => {
    const r = pgUsersFromConf(text, user, 'local');
    return 'error' in r ? r : { account: r.account, trust: r.trustDefaultUser, users: [...r.users.keys()] };
  };
  expect(of(real, 'platform')).toEqual({ account: 'DFN', trust: true, users: ['client'] });
  expect(of(real, 'acme-platform')).toEqual({ account: 'ACME', trust: false, users: ['acme-client'] });
  expect(of(real, 'nobody')).toEqual({ error: 'the NATS user "nobody" is in no account of nats.conf' });
  const r = pgUsersFromConf(real, 'acme-platform', 'local');
  if ('error' in r) throw new Error(r.error);
  expect(verifyPassword(r.users.get('acme-client')!, 'acme-client-secret')).toBe(true);
  const custom = `accounts { T: { users: [
    { user: plat, password: x }
    { user: ok, password: okpw, permissions: { publish: "dfn.>" } }
    { user: denied, password: d, permissions: { publish: { allow: ["dfn.>"], deny: ["dfn.*.control.>"] } } }
    { user: hashed, password: "$2a$11$abcdefghijklmnopqrstuu", permissions: { publish: ["dfn.*.control.>"] } }
  ] } }`;
  expect(of(custom, 'plat')).toEqual({ account: 'T', trust: false, users: ['ok'] });
});
