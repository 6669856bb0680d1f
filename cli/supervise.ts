/**
 * A child process of `definite up`, restarted with backoff whenever it exits (the environment
 * process, the inspector). Spawned detached, so Ctrl-C in the terminal reaches only `up`, which
 * then stops its children in order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, stopProcess } from '../runtime/nats-server.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../runtime/backoff.js';
import type { Random } from '../runtime/random.js';

export interface SupervisedOptions {
  /** Shown in messages (`environment process`, `inspector`). */
  name: string;
  /** Arguments of bin/definite.js (`['env']`, `['inspect']`). */
  args: string[];
  /** Flags for node itself (before the script), e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  env: NodeJS.ProcessEnv;
  /** stderr (and stdout unless `inheritStdout`) go here. */
  logFile: string;
  inheritStdout: boolean;
  random: Random;
}

export interface SupervisedProcess {
  /** Stops restarting it and stops it (SIGTERM, then SIGKILL after `graceMs`). */
  stop(graceMs: number): Promise<void>;
}

export function superviseProcess(options: SupervisedOptions): SupervisedProcess {
  let child: ChildProcess | undefined;
  let stopping = false;
  let attempt = 0;
  const start = (): ChildProcess => {
    const log = openSync(options.logFile, 'a');
    const c = spawn(process.execPath, [...(options.nodeArgs ?? []), join(PROJECT_ROOT, 'bin', 'definite.js'), ...options.args], {
      env: options.env,
      stdio: ['ignore', options.inheritStdout ? 'inherit' : log, log],
      detached: true,
    });
    closeSync(log);
    const started = Date.now();
    c.once('exit', (code, signal) => {
      if (stopping) return;
      if (Date.now() - started > DEFAULT_BACKOFF.resetAfterMs) attempt = 0;
      const delay = backoffDelay(DEFAULT_BACKOFF, attempt++, options.random);
      console.error(`[up] ${options.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
      setTimeout(() => {
        if (!stopping) child = start();
      }, delay);
    });
    return c;
  };
  child = start();
  return {
    async stop(graceMs) {
      stopping = true;
      if (child) await stopProcess(child, graceMs);
    },
  };
}
