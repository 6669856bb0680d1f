/**
 * `definite up`: the top supervisor. Starts nats-server with nats.conf when nothing listens at the
 * configured port, then the environment process, and restarts the environment process with
 * backoff if it dies. Ctrl-C (or SIGTERM) stops everything cleanly: the platform first, through
 * the orchestrator's Shutdown command, then the nats-server it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { loadConfig, configEnv } from '../runtime/config.js';
import { isListening, PROJECT_ROOT, startNatsServer, stopProcess, type RunningNatsServer } from '../runtime/nats-server.js';
import { Transport } from '../runtime/transport.js';
import { orchestratorSubject } from '../protocol/subjects.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../runtime/backoff.js';
import { defaultRandom } from '../runtime/random.js';
import type { ParsedArgs } from './args.js';

export async function upCommand(_args: ParsedArgs): Promise<void> {
  const config = loadConfig();
  mkdirSync(config.dataDir, { recursive: true });
  let nats: RunningNatsServer | undefined;
  if (!(await isListening(config.natsPort))) {
    nats = await startNatsServer({
      port: config.natsPort,
      httpPort: config.natsHttpPort,
      wsPort: config.natsWsPort,
      storeDir: join(config.dataDir, 'nats', 'jetstream'),
      logFile: join(config.dataDir, 'nats-server.log'),
      detached: true,
    });
    console.log(`[up] started nats-server on ${nats.url} (monitoring http://127.0.0.1:${config.natsHttpPort}, websocket ${config.natsWsPort})`);
  } else {
    console.log(`[up] using the NATS server already listening on ${config.natsUrl}`);
  }
  const t = await Transport.connect({ servers: config.natsUrl, name: 'up', user: config.natsUser, pass: config.natsPass });

  const random = defaultRandom();
  let env: ChildProcess | undefined;
  let stopping = false;
  let attempt = 0;
  const logDir = join(config.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const startEnv = () => {
    const log = openSync(join(logDir, 'env.log'), 'a');
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'definite.js'), 'env'], {
      env: { ...process.env, ...configEnv(config) },
      stdio: ['ignore', 'inherit', log],
      detached: true,
    });
    closeSync(log);
    const started = Date.now();
    child.once('exit', (code, signal) => {
      if (stopping) return;
      if (Date.now() - started > DEFAULT_BACKOFF.resetAfterMs) attempt = 0;
      const delay = backoffDelay(DEFAULT_BACKOFF, attempt++, random);
      console.error(`[up] environment process exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
      setTimeout(() => {
        if (!stopping) env = startEnv();
      }, delay);
    });
    return child;
  };
  env = startEnv();
  console.log(`[up] definite is starting in region "${config.region}", data in ${config.dataDir}`);
  console.log(`[up] status: node bin/definite.js status    stop: Ctrl-C`);

  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('[up] stopping the platform...');
    try {
      await t.request(orchestratorSubject(config.region), { type: 'Shutdown' }, { timeoutMs: 60_000 });
    } catch (err) {
      console.error(`[up] orchestrator did not confirm shutdown: ${(err as Error).message}`);
    }
    if (env) await stopProcess(env, 10_000);
    await t.close();
    if (nats) await nats.stop();
    console.log('[up] stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}
