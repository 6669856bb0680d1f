/**
 * jest globalSetup (jest.config.js): once per run, before any worker starts, an empty state dir
 * for the private PostgreSQL cluster the oracle tests fall back to (test/helpers/postgres-cluster.ts),
 * named in DFN_ORACLE_PG_DIR, which the workers inherit. Nothing is started here: the first test
 * file that needs the cluster starts it, so a run without oracle tests costs nothing.
 * jest loads this file with require() and without jest.config.js's moduleNameMapper, so it
 * imports only node: modules (a relative `./x.js` would not resolve to x.ts).
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup(): void {
  const dir = mkdtempSync(join(tmpdir(), 'dfn-oracle-pg-'));
  chmodSync(dir, 0o755); // as root, the postgres OS user must get through it to its cluster dir
  process.env['DFN_ORACLE_PG_DIR'] = dir;
}
