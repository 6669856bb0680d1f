/**
 * The preflight (scripts/preflight.js, run by `npm start` and `npm test` before anything else):
 * with the system programs looked up on a PATH where they are absent, it names each missing one,
 * prints the exact command that installs them and exits non-zero; with them present it says
 * nothing about them (the PostgreSQL server is found under any /usr/lib/postgresql/<version>/bin). Installing is switched off (DFN_PREFLIGHT_NO_INSTALL=1), so nothing on the
 * machine changes.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../../runtime/nats-server.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function emptyDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dfn-preflight-'));
  dirs.push(d);
  return d;
}

/** Runs the preflight for `command` with binaries looked up only in `path`. */
function preflight(command: 'start' | 'test', path: string): { status: number | null; out: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, DFN_PREFLIGHT_PATH: path, DFN_PREFLIGHT_ROOT: path, DFN_PREFLIGHT_NO_INSTALL: '1' };
  delete env['DFN_NATS_SERVER_BIN'];
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'preflight.js'), command], { env, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('npm test on a PATH without nats-server, chromium and the other-clients programs: names each missing one and the one install command, exits 1', () => {
  const { status, out } = preflight('test', emptyDir());
  expect(status).toBe(1);
  expect(out).toContain('nats-server is not installed');
  expect(out).toContain('Chromium is not installed');
  expect(out).toContain('psycopg2 is not installed');
  expect(out).toContain('Java is not installed');
  expect(out).toContain('PostgreSQL JDBC driver is not installed');
  expect(out).toContain('PostgreSQL server is not installed');
  expect(out).toMatch(/apt-get update && (sudo )?apt-get install -y nats-server chromium python3-psycopg2 openjdk-17-jre-headless libpostgresql-jdbc-java postgresql$/m);
});

test('npm start needs only nats-server', () => {
  const { status, out } = preflight('start', emptyDir());
  expect(status).toBe(1);
  expect(out).toContain('nats-server is not installed');
  expect(out).not.toContain('Chromium');
  expect(out).toMatch(/apt-get install -y nats-server$/m);
});

test('a PostgreSQL version directory without the server binary does not count as installed', () => {
  const dir = emptyDir();
  mkdirSync(join(dir, 'usr/lib/postgresql/15/bin'), { recursive: true });
  writeFileSync(join(dir, 'usr/lib/postgresql/15/bin/psql'), '');
  const { status, out } = preflight('test', dir);
  expect(status).toBe(1);
  expect(out).toContain('PostgreSQL server is not installed');
});

test('with the binaries on the PATH it reports nothing missing and exits 0', () => {
  const dir = emptyDir();
  for (const name of ['nats-server', 'chromium', 'java']) {
    writeFileSync(join(dir, name), '#!/bin/sh\n');
    chmodSync(join(dir, name), 0o755);
  }
  // The libraries are files, looked for under DFN_PREFLIGHT_ROOT (the same directory here); the
  // PostgreSQL server under any version directory (16 here, not the 15 of Debian 12).
  for (const file of ['usr/lib/python3/dist-packages/psycopg2/__init__.py', 'usr/share/java/postgresql.jar', 'usr/lib/postgresql/16/bin/postgres']) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), '');
  }
  const { status, out } = preflight('test', dir);
  expect(out).not.toContain('is not installed');
  expect(status).toBe(0);
});
