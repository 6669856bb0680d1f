/**
 * `definite host --host-id ID`: a host process, as the orchestrator runs it. Runs every actor kind
 * of actors/registry.ts, recovers the actors recorded in its LevelDB, and exits non-zero when its
 * root supervisor escalates (so the orchestrator restarts the whole process), and exits at once
 * when superseded (JetStream backend: a newer process took over this host's state).
 */
import { Host } from '../runtime/host.js';
import { loadConfig } from '../runtime/config.js';
import { ACTOR_KINDS } from '../actors/registry.js';
import { flag, type ParsedArgs } from './args.js';

export async function hostCommand(args: ParsedArgs): Promise<void> {
  const config = loadConfig();
  const hostId = flag(args, 'host-id') ?? process.env['DFN_HOST_ID'];
  if (!hostId) throw new Error('definite host needs --host-id ID');
  const host = await Host.start({
    hostId,
    region: config.region,
    servers: config.natsUrl,
    user: config.natsUser,
    pass: config.natsPass,
    dataDir: config.dataDir,
    sync: config.sync,
    kinds: ACTOR_KINDS,
    heartbeatMs: Number(process.env['DFN_HEARTBEAT_MS'] ?? 500),
    // On the JetStream backend a successor needs nothing of this process: a later process
    // heartbeating as this host, or a fenced state write, means this one is a zombie. It exits
    // at once (status 75) without stop hooks, so it writes nothing more.
    // DFN_WATCH_SUCCESSORS=0 turns the heartbeat watch off (then only the fence stops a zombie:
    // test/storage/jetstream-zombie.test.ts checks that path alone).
    watchSuccessors: config.storage === 'jetstream' && process.env['DFN_WATCH_SUCCESSORS'] !== '0',
    onSuperseded: (reason) => {
      console.error(`[host ${hostId}] superseded by a newer process, exiting: ${reason}`);
      process.exit(75);
    },
    onEscalate: (reason) => {
      console.error(`[host ${hostId}] root supervisor gave up: ${reason}`);
      process.exit(1);
    },
  });
  console.log(`[host ${hostId}] pid ${process.pid} running, incarnation ${host.incarnation}`);
  const stop = () => {
    void host.shutdown().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
