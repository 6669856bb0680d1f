/**
 * Test helper: a private PostgreSQL cluster for the oracle tests, used when no server on
 * 127.0.0.1:5432 takes user postgres without a password (a fresh machine where `npm test`'s
 * preflight has just installed Debian's `postgresql`, whose own cluster asks for one on TCP), or
 * when DFN_ORACLE_PG=private. One per jest run: jest's globalSetup makes an empty state dir and
 * names it in DFN_ORACLE_PG_DIR; the first test file that needs the cluster creates it there
 * (initdb -A trust -U postgres, then pg_ctl start on a free port) under a lock file, later files
 * in any worker read its port from the dir, and globalTeardown stops it (with the command written
 * to stop.json) and removes the dir. As
 * root the PostgreSQL programs run as the `postgres` OS user (runuser), since initdb and postgres
 * refuse to run as root.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../runtime/nats-server.js';

/** The environment variable naming this jest run's state dir (set by test/helpers/jest-global-setup.ts). */
export const STATE_DIR_ENV = 'DFN_ORACLE_PG_DIR';

/**
 * The directory holding initdb, pg_ctl and postgres: DFN_PG_BINDIR when set, else the newest
 * /usr/lib/postgresql/<version>/bin that has initdb (Debian's layout: they are not on PATH), else
 * '' (look them up on PATH).
 */
export function pgBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['DFN_PG_BINDIR']) return env['DFN_PG_BINDIR'];
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  return newest === undefined ? '' : join(root, newest, 'bin');
}

const asRoot = (): boolean => process.getuid?.() === 0;

/** The command line that runs a PostgreSQL program (as the postgres OS user when we are root). */
function pgCommand(program: string, args: string[]): string[] {
  const dir = pgBinDir();
  const bin = dir ? join(dir, program) : program;
  return asRoot() ? ['runuser', '-u', 'postgres', '--', bin, ...args] : [bin, ...args];
}

/** Runs a PostgreSQL program (pgCommand); its stdout, or throws with its output. */
function pgRun(program: string, args: string[]): string {
  const [cmd, ...argv] = pgCommand(program, args);
  // cwd /: the postgres user may not be allowed into ours.
  const r = spawnSync(cmd!, argv, { encoding: 'utf8', cwd: '/' });
  if (r.error || r.status !== 0) {
    throw new Error(`${program} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stdout ?? ''}${r.stderr ?? ''}`);
  }
  return r.stdout;
}

/** The postgres OS user's uid and gid (as root the cluster's files must be theirs). */
function postgresOwner(): { uid: number; gid: number } {
  const id = (flag: string) => {
    const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`running as root, but there is no postgres OS user to run the private PostgreSQL cluster as (${r.stderr.trim()})`);
    return Number(r.stdout.trim());
  };
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * initdb and start a cluster under `dir`/`name` on a free port (or `port`); the port. `extra`
 * adds server settings (`-c wal_level=logical ...`). Its stop command is `dir`/stop.json for the
 * default cluster, `dir`/stop-<name>.json for another.
 */
export async function startCluster(dir: string, name = 'cluster', extra = '', fixedPort?: number): Promise<number> {
  const cluster = join(dir, name);
  rmSync(cluster, { recursive: true, force: true }); // what a failed earlier attempt left
  mkdirSync(cluster, { mode: 0o700 });
  if (asRoot()) {
    const { uid, gid } = postgresOwner();
    chownSync(cluster, uid, gid);
  }
  const data = join(cluster, 'data');
  // How globalTeardown (test/helpers/jest-global-teardown.ts) stops it.
  writeFileSync(join(dir, name === 'cluster' ? 'stop.json' : `stop-${name}.json`), JSON.stringify(pgCommand('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])));
  // Fixed encoding and locale (as the server on this project's machine: C.UTF-8), not the caller's.
  pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const settings = `-c listen_addresses=127.0.0.1 -k ${cluster} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c TimeZone=UTC ${extra}`;
  // A free port can be taken by another process before postgres binds it: then another one.
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    try {
      pgRun('pg_ctl', ['-D', data, '-l', join(cluster, 'server.log'), '-w', '-o', `-p ${port} ${settings}`, 'start']);
      return port;
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}

/** Runs `fn` holding the lock file `path` (created exclusively; a dead holder's lock is taken over). */
async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: number;
      try {
        holder = Number(readFileSync(path, 'utf8').trim());
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
        throw e;
      }
      if (holder > 0 && !alive(holder)) rmSync(path, { force: true });
      else await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Server settings for logical replication (PostgreSQL sources): wal_level=logical and room for slots. */
export const LOGICAL_SETTINGS = '-c wal_level=logical -c max_replication_slots=32 -c max_wal_senders=32';

/** Stops a cluster started by startCluster under `dir`/`name` (pg_ctl stop -m fast), if it runs. */
export function stopCluster(dir: string, name: string): void {
  const stop = join(dir, name === 'cluster' ? 'stop.json' : `stop-${name}.json`);
  if (!existsSync(stop) || !existsSync(join(dir, name, 'data', 'postmaster.pid'))) return;
  const [cmd, ...args] = JSON.parse(readFileSync(stop, 'utf8')) as string[];
  spawnSync(cmd!, args, { encoding: 'utf8', cwd: '/' });
}

/**
 * The port of this jest run's private cluster with wal_level=logical (dir `logical`, next to the
 * oracle's private cluster), started by the first caller in any worker, for tests that need
 * logical replication when the server on 5432 does not have it.
 */
export async function privateLogicalClusterPort(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const dir = env[STATE_DIR_ENV];
  if (!dir) throw new Error(`${STATE_DIR_ENV} is not set: run jest with jest.config.js, whose globalSetup makes the private PostgreSQL cluster's dir`);
  const portFile = join(dir, 'logical-port');
  return withLock(join(dir, 'lock'), async () => {
    if (!existsSync(portFile)) writeFileSync(portFile, String(await startCluster(dir, 'logical', LOGICAL_SETTINGS)));
    return Number(readFileSync(portFile, 'utf8'));
  });
}

/** The port of this jest run's private cluster, started by the first caller in any worker. */
export async function privateClusterPort(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const dir = env[STATE_DIR_ENV];
  if (!dir) throw new Error(`${STATE_DIR_ENV} is not set: run jest with jest.config.js, whose globalSetup makes the private PostgreSQL cluster's dir`);
  const portFile = join(dir, 'port');
  return withLock(join(dir, 'lock'), async () => {
    if (!existsSync(portFile)) {
      writeFileSync(portFile, String(await startCluster(dir)));
    }
    return Number(readFileSync(portFile, 'utf8'));
  });
}

