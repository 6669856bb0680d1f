/**
 * Test helper: a real nats-server with definite's nats.conf on random free ports, in a temp dir.
 * `setup()` starts it, `cleanup()` stops it and removes the dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNatsServer, type RunningNatsServer } from '../../runtime/nats-server.js';

export interface TestNats {
  server: RunningNatsServer;
  dir: string;
  url: string;
  /** Restarts the server on the same ports and store dir. */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export const PLATFORM_USER = { user: 'platform', pass: 'platform-secret' };

export async function setupNats(): Promise<TestNats> {
  const dir = mkdtempSync(join(tmpdir(), 'dfn-test-'));
  // A free port can be taken by another test process before nats-server binds it (seen in a
  // full parallel run: "bind: address already in use"): then again, on other free ports.
  let opts = { port: 0, httpPort: 0, wsPort: 0, storeDir: join(dir, 'jetstream') };
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
