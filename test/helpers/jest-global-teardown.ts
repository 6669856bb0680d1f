/**
 * jest globalTeardown (jest.config.js): stops this run's private PostgreSQL cluster, if a test file
 * started one, with the command test/helpers/postgres-cluster.ts wrote beside it (stop.json:
 * pg_ctl stop, as the postgres OS user when root), and removes the state dir. Imports only node:
 * modules, as jest-global-setup.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export default function globalTeardown(): void {
  const dir = process.env['DFN_ORACLE_PG_DIR'];
  if (!dir) return;
  // The oracle's cluster, and the wal_level=logical one of the PostgreSQL source tests.
  for (const [name, file] of [['cluster', 'stop.json'], ['logical', 'stop-logical.json']] as const) {
    const stop = join(dir, file);
    // postmaster.pid: the server is (still) running; a failed start leaves none.
    if (existsSync(stop) && existsSync(join(dir, name, 'data', 'postmaster.pid'))) {
      const [cmd, ...args] = JSON.parse(readFileSync(stop, 'utf8')) as string[];
      const r = spawnSync(cmd!, args, { encoding: 'utf8', cwd: '/' });
      if (r.status !== 0) console.error(`the private PostgreSQL cluster ${name} did not stop: ${r.error?.message ?? ''}${r.stdout}${r.stderr}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
