// The system programs and libraries definite's two commands need, in one place: for each, the binary (or file)
// that shows it is installed, where it is looked for, the Debian package that provides it, and which command
// needs it (`start`: `npm start`; `test`: `npm test`). scripts/preflight.js installs what is missing
// from this list. A later dependency (a newer nats-server) is one more entry here, so a newcomer's
// `npm test` and CI install the same things.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @typedef {object} Dependency
 * @property {string} name        what it is, for messages
 * @property {string} binary      the executable whose presence means it is installed
 * @property {string} apt         the Debian/Ubuntu package that installs it
 * @property {string[]} neededBy  'start' and/or 'test'
 * @property {string} why         one line: what uses it
 * @property {string} [envOverride] an environment variable that names the binary's path instead
 * @property {string} [file]      instead of a binary: an absolute path whose presence means it is
 *   installed (a library), looked for under `DFN_PREFLIGHT_ROOT` when set (tests), else under /;
 *   a path segment that is exactly `*` matches any directory there (a version number)
 */

/** @type {Dependency[]} */
export const DEPENDENCIES = [
  {
    name: 'nats-server',
    binary: 'nats-server',
    apt: 'nats-server',
    neededBy: ['start', 'test'],
    why: 'the message bus every actor talks over (definite starts it with nats.conf)',
    envOverride: 'DFN_NATS_SERVER_BIN',
  },
  {
    name: 'Chromium',
    binary: 'chromium',
    apt: 'chromium',
    neededBy: ['test'],
    why: "the inspector's end-to-end test drives it headless (playwright-core, /usr/bin/chromium)",
  },
  {
    name: 'psycopg2',
    binary: 'python3-psycopg2',
    file: '/usr/lib/python3/dist-packages/psycopg2/__init__.py',
    apt: 'python3-psycopg2',
    neededBy: ['test'],
    why: "test/control/pgwire/other-clients.test.ts runs a Python client with it (/usr/bin/python3)",
  },
  {
    name: 'Java',
    binary: 'java',
    apt: 'openjdk-17-jre-headless',
    neededBy: ['test'],
    why: 'test/control/pgwire/other-clients.test.ts runs a JDBC client program with it',
  },
  {
    name: 'PostgreSQL JDBC driver',
    binary: 'postgresql.jar',
    file: '/usr/share/java/postgresql.jar',
    apt: 'libpostgresql-jdbc-java',
    neededBy: ['test'],
    why: 'test/control/pgwire/other-clients.test.ts connects through it',
  },
  {
    name: 'PostgreSQL server',
    binary: 'postgres',
    file: '/usr/lib/postgresql/*/bin/postgres',
    apt: 'postgresql',
    neededBy: ['test'],
    why: 'the oracle tests compare with PostgreSQL (test/helpers/postgres.ts uses 127.0.0.1:5432 or starts a private cluster); the package brings psql too',
  },
];

/**
 * The directories a binary is looked for in: `DFN_PREFLIGHT_PATH` when set (a colon-separated
 * list; tests use it to look on a PATH where nothing is installed), else PATH and the usual system
 * directories.
 */
export function searchDirs(env = process.env) {
  if (env.DFN_PREFLIGHT_PATH !== undefined) return env.DFN_PREFLIGHT_PATH.split(':').filter(Boolean);
  return [...(env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/usr/local/bin', '/sbin', '/bin'].filter(Boolean);
}

/** The existing paths `pattern` (absolute; a `*` segment matches any entry there) names under `root`. */
export function expand(root, pattern) {
  let found = [root];
  for (const seg of pattern.split('/').filter(Boolean)) {
    found = found.flatMap((dir) => {
      if (seg !== '*') return [join(dir, seg)];
      try {
        return readdirSync(dir).sort().map((e) => join(dir, e));
      } catch {
        return [];
      }
    });
  }
  return found.filter((p) => existsSync(p));
}

/** Where the dependency's binary is, or undefined when it is not installed. */
export function locate(dep, env = process.env) {
  if (dep.file) return expand(env.DFN_PREFLIGHT_ROOT ?? '/', dep.file).at(-1);
  const override = dep.envOverride ? env[dep.envOverride] : undefined;
  if (override) return existsSync(override) ? override : undefined;
  for (const dir of searchDirs(env)) {
    const p = join(dir, dep.binary);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** The dependencies `command` ('start' or 'test') needs that are not installed. */
export function missingFor(command, env = process.env) {
  return DEPENDENCIES.filter((d) => d.neededBy.includes(command) && locate(d, env) === undefined);
}

/** The one command that installs `deps` on Debian/Ubuntu. */
export function installCommand(deps, asRoot) {
  const pkgs = deps.map((d) => d.apt).join(' ');
  const sudo = asRoot ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y ${pkgs}`;
}
