/**
 * `definite up`: the top supervisor. Starts nats-server with nats.conf when nothing listens at the
 * configured port, then the environment process and the inspector (`definite inspect`), and
 * restarts either with backoff if it dies. Ctrl-C (or SIGTERM) stops everything cleanly: the
 * platform first, through the orchestrator's Shutdown command, then the inspector, then the
 * nats-server it started.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { loadConfig, configEnv } from '../runtime/config.js';
import { isListening, startNatsServer, type RunningNatsServer } from '../runtime/nats-server.js';
import { Transport } from '../runtime/transport.js';
import { orchestratorSubject } from '../protocol/subjects.js';
import { defaultRandom } from '../runtime/random.js';
import { superviseProcess } from './supervise.js';
import type { ParsedArgs } from './args.js';
import { DEMO_CATALOG_HINT } from '../actors/control/demo-catalog.js';

export async function upCommand(args: ParsedArgs): Promise<void> {
  const config = loadConfig();
  // The demo catalog is created on an empty data dir unless `--no-demo` or DFN_DEMO=0.
  const demo = !args.flags.has('no-demo') && process.env['DFN_DEMO'] !== '0';
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
  const logDir = join(config.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const env = superviseProcess({
    name: 'environment process',
    args: ['env'],
    // DFN_ENV_NODE_ARGS: extra node flags for the environment process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
    nodeArgs: (process.env['DFN_ENV_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
    env: { ...process.env, ...configEnv(config), DFN_DEMO_CATALOG: demo ? '1' : '0', DFN_PGWIRE_PORT: String(config.pgwirePort), DFN_WEBHOOK_PORT: String(config.webhookPort) },
    logFile: join(logDir, 'env.log'),
    inheritStdout: true,
    random,
  });
  const inspector = superviseProcess({
    name: 'inspector',
    args: ['inspect'],
    env: { ...process.env, ...configEnv(config), DFN_INSPECTOR_PORT: String(config.inspectorPort), DFN_NATS_MONITOR_URL: config.natsMonitorUrl },
    logFile: join(logDir, 'inspector.log'),
    inheritStdout: false,
    random,
  });
  console.log(`[up] definite is starting in region "${config.region}", data in ${config.dataDir}`);
  console.log(`[up] inspector: http://127.0.0.1:${config.inspectorPort}/`);
  console.log(`[up] psql: psql -h 127.0.0.1 -p ${config.pgwirePort} -U materialize materialize   (Postgres wire protocol, docs/pgwire.md)`);
  console.log(`[up] webhooks: POST http://127.0.0.1:${config.webhookPort}/api/webhook/materialize/public/<source>   (CREATE SOURCE s FROM WEBHOOK BODY FORMAT JSON, docs/webhooks.md)`);
  console.log(`[up] status: node bin/definite.js status    stop: Ctrl-C`);
  console.log(`[up] query: node bin/definite.js sql   (finds this platform from the project directory, no flags)`);
  if (demo) console.log(`[up] ${DEMO_CATALOG_HINT.replace(/\n/g, '\n[up] ')}\n[up] (the demo catalog is created on an empty data dir; skip it with --no-demo or DFN_DEMO=0)`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('[up] stopping the platform...');
    try {
      await t.request(orchestratorSubject(config.region), { type: 'Shutdown' }, { timeoutMs: 60_000 });
    } catch (err) {
      console.error(`[up] orchestrator did not confirm shutdown: ${(err as Error).message}`);
    }
    await env.stop(10_000);
    await inspector.stop(5_000);
    await t.close();
    if (nats) await nats.stop();
    console.log('[up] stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}
