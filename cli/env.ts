/**
 * `definite env`: the environment process. It runs the process orchestrator (which starts the
 * storage host and cluster processes as detached children and re-adopts them after a restart) and
 * an in-process host `env` for the controllers. On a Shutdown request it stops everything and exits.
 * With DFN_FRONTENDS=N (N >= 1) sessions run in N front-end processes `frontend-0..N-1`
 * (cli/frontend.ts), started and restarted by the orchestrator with an IPC channel: the pgwire
 * listener here accepts and hands each socket to one of them, round-robin (pgwire/handoff.ts).
 * Unset or 0: sessions run in this process, as before.
 */
import { join } from 'node:path';
import { Orchestrator } from '../runtime/orchestrator.js';
import { Host } from '../runtime/host.js';
import { loadConfig, configEnv, type PlatformConfig } from '../runtime/config.js';
import { PROJECT_ROOT } from '../runtime/nats-server.js';
import { DEFAULT_BACKOFF } from '../runtime/backoff.js';
import { ACTOR_KINDS, ENV_ACTORS, DEFAULT_HOSTS } from '../actors/registry.js';
import { setSocketHandoff, SOCKET_MESSAGE } from '../actors/control/pgwire/handoff.js';
import type { ParsedArgs } from './args.js';

/** How many front-end processes run sessions (DFN_FRONTENDS; 0: sessions in the environment process). */
export function frontendCount(): number {
  const n = Number(process.env['DFN_FRONTENDS'] ?? 0);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

export const frontendHostId = (i: number) => `frontend-${i}`;

/** How the orchestrator launches a host process. */
export function hostLaunch(config: PlatformConfig) {
  return (hostId: string) => {
    // A front-end process: its own subcommand (no spare host) and an IPC channel for sockets.
    const frontend = /^frontend-\d+$/.test(hostId);
    return {
      command: process.execPath,
      // DFN_HOST_NODE_ARGS: extra node flags for host processes (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
      args: [...(process.env['DFN_HOST_NODE_ARGS'] ?? '').split(' ').filter(Boolean), join(PROJECT_ROOT, 'bin', 'definite.js'), frontend ? 'frontend' : 'host', '--host-id', hostId],
      env: { ...configEnv(config), DFN_HOST_ID: hostId },
      logDir: join(config.dataDir, 'logs'),
      ...(frontend ? { ipc: true } : {}),
    };
  };
}

export async function envCommand(_args: ParsedArgs): Promise<void> {
  const config = loadConfig();
  const orchestrator = await Orchestrator.start({
    region: config.region,
    servers: config.natsUrl,
    user: config.natsUser,
    pass: config.natsPass,
    dataDir: config.dataDir,
    launchHost: hostLaunch(config),
    // DFN_HOST_BACKOFF_MIN_MS lengthens the first restart delay of a host process (drills, tests
    // that watch a host back off); the default is the supervisor's (100 ms).
    ...(process.env['DFN_HOST_BACKOFF_MIN_MS'] ? { supervisor: { backoff: { ...DEFAULT_BACKOFF, minMs: Number(process.env['DFN_HOST_BACKOFF_MIN_MS']) } } } : {}),
  });
  const envHost = await Host.start({
    hostId: 'env',
    region: config.region,
    servers: config.natsUrl,
    user: config.natsUser,
    pass: config.natsPass,
    dataDir: config.dataDir,
    sync: config.sync,
    kinds: ACTOR_KINDS,
    onEscalate: (reason) => {
      console.error(`[env] controllers' supervisor gave up: ${reason}`);
      process.exit(1);
    },
  });
  const frontends = frontendCount();
  if (frontends > 0) {
    let next = 0;
    setSocketHandoff((socket) => {
      for (let tried = 0; tried < frontends; tried++) {
        const proc = orchestrator.processOf(frontendHostId(next));
        next = (next + 1) % frontends;
        if (proc?.sendHandle(SOCKET_MESSAGE, socket)) return true;
      }
      return false;
    });
  }
  // Front-end processes left from a run with more of them are stopped; the wanted ones started
  // before the pgwire listener (so once it listens, and writes pgwire.port, they take sockets).
  for (const h of orchestrator.hosts()) {
    const m = /^frontend-(\d+)$/.exec(h.hostId);
    if (m && Number(m[1]) >= frontends) await orchestrator.stopHost(h.hostId);
  }
  for (let i = 0; i < frontends; i++) await orchestrator.startHost(frontendHostId(i), []);
  for (const actor of ENV_ACTORS) await envHost.startActor(actor);
  for (const h of DEFAULT_HOSTS) await orchestrator.startHost(h.hostId, h.actors);
  const adopted = orchestrator.adoptedAtStart;
  console.log(`[env] pid ${process.pid} orchestrating ${orchestrator.hosts().length} host(s)${adopted.length ? `, adopted: ${adopted.join(', ')}` : ''}`);
  const stop = async () => {
    await envHost.shutdown();
    process.exit(0);
  };
  orchestrator.onShutdown = () => void stop();
  process.once('SIGTERM', () => void orchestrator.shutdown().then(stop));
  process.once('SIGINT', () => void orchestrator.shutdown().then(stop));
}
