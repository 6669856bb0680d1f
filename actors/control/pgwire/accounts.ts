/**
 * The pg users of this environment process, from nats.conf. One environment process serves one
 * NATS account: the account of its own NATS user (DFN_NATS_USER). Its pg users are:
 * - `materialize`, trust authentication from loopback, in the default account `DFN` only;
 * - every NATS *client* user of the account (a user whose publish permissions allow the
 *   account's CONTROL subjects `dfn.<region>.control.…`, e.g. `client` of DFN, `acme-client` of
 *   ACME), with its nats.conf password, checked by SCRAM-SHA-256 (or cleartext, if configured).
 *   Internal users (no permissions: the platform users), inspector and operator users are not pg
 *   users. A bcrypt password in nats.conf cannot become a SCRAM verifier: that user is skipped.
 * Passwords are turned into SCRAM verifiers here and dropped. If nats.conf cannot be read or the
 * process's NATS user is in none of its accounts, the process is the default account with only
 * `materialize` (today's behaviour), and the reason is logged.
 */
import { readFileSync } from 'node:fs';
import { makeVerifier, type ScramVerifier } from './scram.js';
import { parseNatsConf, type ConfMap, type ConfValue } from './nats-conf.js';

/** The default account of nats.conf: `materialize` is its trust user. */
export const DEFAULT_ACCOUNT = 'DFN';

export interface PgUsers {
  /** The NATS account this process serves. */
  account: string;
  /** Whether `materialize` may connect without a password from loopback. */
  trustDefaultUser: boolean;
  /** Password users: name -> SCRAM verifier. */
  users: Map<string, ScramVerifier>;
}

/** Only `materialize`: the fallback when nats.conf does not name this process's account. */
export function defaultPgUsers(): PgUsers {
  return { account: DEFAULT_ACCOUNT, trustDefaultUser: true, users: new Map() };
}

const asMap = (v: ConfValue | undefined): ConfMap | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? v : undefined);
const asList = (v: ConfValue | undefined): ConfValue[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const asStrings = (v: ConfValue | undefined): string[] => asList(v).filter((x): x is string => typeof x === 'string');

/** NATS subject matching: `*` one token, `>` one or more at the end. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let k = 0; k < p.length; k++) {
    if (p[k] === '>') return s.length > k;
    if (k >= s.length || (p[k] !== '*' && p[k] !== s[k])) return false;
  }
  return p.length === s.length;
}

/** Whether a user's explicit permissions let it publish to `subject` (no permissions: an internal user, false). */
function clientMayPublish(user: ConfMap, subject: string): boolean {
  const publish = asMap(user['permissions'])?.['publish'];
  if (publish === undefined) return false;
  const rules = asMap(publish);
  const allow = rules ? asStrings(rules['allow']) : asStrings(publish);
  const deny = rules ? asStrings(rules['deny']) : [];
  return allow.some((p) => subjectMatches(p, subject)) && !deny.some((p) => subjectMatches(p, subject));
}

/** The pg users of the account whose user `natsUser` is, from nats.conf's text. */
export function pgUsersFromConf(text: string, natsUser: string, region: string, env: NodeJS.ProcessEnv = process.env): PgUsers | { error: string } {
  const conf = parseNatsConf(text, env);
  const accounts = asMap(conf['accounts']);
  if (!accounts) return { error: 'nats.conf has no accounts block' };
  const controlSubject = `dfn.${region}.control.session`;
  for (const [account, body] of Object.entries(accounts)) {
    const users = asList(asMap(body)?.['users']).map(asMap).filter((u): u is ConfMap => u !== undefined);
    if (!users.some((u) => u['user'] === natsUser)) continue;
    const out = new Map<string, ScramVerifier>();
    for (const u of users) {
      const name = u['user'];
      const password = u['password'];
      if (typeof name !== 'string' || typeof password !== 'string' || password === '') continue;
      if (/^\$2[aby]?\$/.test(password)) continue; // bcrypt: no SCRAM verifier can be made from it
      if (!clientMayPublish(u, controlSubject)) continue;
      out.set(name, makeVerifier(password));
    }
    return { account, trustDefaultUser: account === DEFAULT_ACCOUNT, users: out };
  }
  return { error: `the NATS user "${natsUser}" is in no account of nats.conf` };
}

/** Reads nats.conf at `path`; falls back to defaultPgUsers() with a logged reason. */
export function loadPgUsers(path: string, natsUser: string, region: string): PgUsers {
  let result: PgUsers | { error: string };
  try {
    result = pgUsersFromConf(readFileSync(path, 'utf8'), natsUser, region);
  } catch (err) {
    result = { error: `cannot read ${path}: ${(err as Error).message}` };
  }
  if ('error' in result) {
    console.error(`[pgwire] ${result.error}: serving the default account, user "materialize" only`);
    return defaultPgUsers();
  }
  return result;
}
