/**
 * The nats-server launcher: finds the `nats-server` binary, starts it with definite's `nats.conf`
 * (ports and store dir passed as DFN_* variables), and waits until it accepts connections.
 * Used by `definite up` and by the test helper (random free ports).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NatsServerOptions {
  port: number;
  httpPort: number;
  wsPort: number;
  storeDir: string;
  /** The configuration file; defaults to the project's nats.conf. */
  configFile?: string;
  /** Where nats-server writes its log; defaults to `<storeDir>/../nats-server.log`. */
  logFile?: string;
  /** Extra command-line arguments (e.g. cluster routes). */
  args?: string[];
  /** Detach the server from this process (it outlives us). */
  detached?: boolean;
  /** The nats-server binary; defaults to `findNatsServer()`. */
  bin?: string;
}

export interface RunningNatsServer {
  url: string;
  port: number;
  httpPort: number;
  wsPort: number;
  storeDir: string;
  process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** The project root (where nats.conf lives). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Finds the nats-server binary on PATH or in the usual places, or explains what to install. */
export function findNatsServer(): string {
  const fromEnv = process.env['DFN_NATS_SERVER_BIN'];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const dirs = [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin'];
  for (const d of dirs) {
    const p = join(d, 'nats-server');
    if (d && existsSync(p)) return p;
  }
  throw new Error('nats-server was not found. Install it (Debian/Ubuntu: `sudo apt-get install -y nats-server`) or set DFN_NATS_SERVER_BIN to its path.');
}

/**
 * The nats-server 2.10 that scripts/fetch-nats-2.10.sh extracts into the project (it supports
 * `sync_interval: always`, so JetStream fsyncs every write), or undefined when it was not fetched.
 */
export function projectNatsServer210(): string | undefined {
  const p = join(PROJECT_ROOT, '.definite', 'nats-2.10', 'usr', 'sbin', 'nats-server');
  return existsSync(p) ? p : undefined;
}

/** A free TCP port on 127.0.0.1 (bind to port 0, read it, release it). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** True when something accepts TCP connections at host:port. */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((r) => {
    const s = netConnect({ port, host });
    s.once('connect', () => {
      s.destroy();
      r(true);
    });
    s.once('error', () => r(false));
  });
}

/** Starts nats-server and resolves once it listens. */
export async function startNatsServer(options: NatsServerOptions): Promise<RunningNatsServer> {
  const bin = options.bin ?? findNatsServer();
  mkdirSync(options.storeDir, { recursive: true });
  const config = options.configFile ?? join(PROJECT_ROOT, 'nats.conf');
  const logFile = options.logFile ?? join(dirname(options.storeDir), `nats-server-${options.port}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(bin, ['-c', config, ...(options.args ?? [])], {
    env: {
      ...process.env,
      DFN_NATS_PORT: String(options.port),
      DFN_NATS_HTTP_PORT: String(options.httpPort),
      DFN_NATS_WS_PORT: String(options.wsPort),
      DFN_NATS_STORE_DIR: options.storeDir,
    },
    stdio: ['ignore', log, log],
    detached: options.detached ?? false,
  });
  if (options.detached) child.unref();
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 20_000;
  while (!(await isListening(options.port))) {
    if (exited) throw new Error(`nats-server exited during start; see ${logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not listen on ${options.port} within 20 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url: `nats://127.0.0.1:${options.port}`,
    port: options.port,
    httpPort: options.httpPort,
    wsPort: options.wsPort,
    storeDir: options.storeDir,
    process: child,
    stop: () => stopProcess(child),
  };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      r();
    });
    child.kill('SIGTERM');
  });
}
