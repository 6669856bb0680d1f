/**
 * Test helper: a real nats-server with definite's nats.conf on random free ports, in a temp dir.
 * `setup()` starts it, `cleanup()` stops it and removes the dir.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, freePort, projectNatsServer210, startNatsServer, type RunningNatsServer } from '../../runtime/nats-server.js';

export interface TestNats {
  server: RunningNatsServer;
  dir: string;
  url: string;
  /** Restarts the server on the same ports and store dir. */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export const PLATFORM_USER = { user: 'platform', pass: 'platform-secret' };

/**
 * `setupNats` for the JetStream shard backend: nats-server 2.10 from scripts/fetch-nats-2.10.sh
 * with `sync_interval: always` (every JetStream write fsynced) when it was fetched, else the
 * installed server (2.9.10 on Debian bookworm: acknowledged writes are not fsynced). `synced`
 * says which.
 */
export async function setupSyncedNats(): Promise<TestNats & { synced: boolean }> {
  const bin = projectNatsServer210();
  if (!bin) return Object.assign(await setupNats(), { synced: false });
  const dir = mkdtempSync(join(tmpdir(), 'dfn-test-'));
  const configFile = join(dir, 'nats.conf');
  const conf = readFileSync(join(PROJECT_ROOT, 'nats.conf'), 'utf8').replace(/^jetstream \{$/m, 'jetstream {\n  sync_interval: always');
  if (!conf.includes('sync_interval: always')) throw new Error('nats.conf has no "jetstream {" line to add sync_interval to');
  writeFileSync(configFile, conf);
  return Object.assign(await setupNats({ dir, bin, configFile }), { synced: true });
}

export async function setupNats(options: { dir?: string; bin?: string; configFile?: string } = {}): Promise<TestNats> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'dfn-test-'));
  const extra = { ...(options.bin ? { bin: options.bin } : {}), ...(options.configFile ? { configFile: options.configFile } : {}) };
  // A free port can be taken by another test process before nats-server binds it (seen in a
  // full parallel run: "bind: address already in use"): then again, on other free ports.
  let opts = { port: 0, httpPort: 0, wsPort: 0, storeDir: join(dir, 'jetstream'), ...extra };
  let server: RunningNatsServer | undefined;
  for (let attempt = 1; !server; attempt++) {
    opts = { ...opts, port: await freePort(), httpPort: await freePort(), wsPort: await freePort() };
    try {
      server = await startNatsServer(opts);
    } catch (err) {
      if (attempt >= 5 || !/exited during start/.test((err as Error).message)) throw err;
    }
  }
  const t: TestNats = {
    server,
    dir,
    url: `nats://127.0.0.1:${opts.port}`,
    async restart() {
      await t.server.stop();
      t.server = await startNatsServer(opts);
    },
    async cleanup() {
      await t.server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/**
 * Polls `fn` until it returns a truthy value. Not a performance assertion: the bound only turns a
 * condition that never holds into a readable failure instead of a hung run.
 */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  what = 'condition',
  boundMs = 120_000,
): Promise<T> {
  const end = Date.now() + boundMs;
  const intervalMs = 25;
  for (;;) {
    if (Date.now() > end) throw new Error(`${what} never held`);
    try {
      const v = await fn();
      if (v) return v as T;
    } catch {
      // keep polling
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
