/**
 * The `definite` command line: dispatches to one subcommand per file.
 *
 *   definite up                      start NATS (if needed) and the platform; Ctrl-C stops it
 *   definite status [--format F]     every process and actor with its state (table|json)
 *   definite env                     the environment process (orchestrator + controllers)
 *   definite host --host-id ID       one host process (what the orchestrator runs)
 *   definite frontend --host-id ID   one front-end process (DFN_FRONTENDS; the orchestrator runs it)
 *   definite sql ["SQL"] [--format F]   the SQL client (one-shot or interactive)
 *   definite inspect [--port P]      the actor inspector web page, against a running platform
 */
import { parseArgs } from './args.js';
import { upCommand } from './up.js';
import { envCommand } from './env.js';
import { hostCommand } from './host.js';
import { frontendCommand } from './frontend.js';
import { statusCommand } from './status.js';
import { sqlCommand } from './sql.js';
import { inspectCommand } from './inspect.js';

const USAGE = `usage: definite <command> [flags]

commands:
  up                       start NATS (when none listens) and the platform; Ctrl-C stops everything
  status [--format table|json]
                           every process and actor with its state
  env                      the environment process (orchestrator + controllers), started by up
  host --host-id ID        one host process, started by the orchestrator
  frontend --host-id ID    one front-end process (sessions), started by the orchestrator (DFN_FRONTENDS=N)
  sql ["SQL; ..."] [--format table|csv|json]
                           run SQL (one-shot), or an interactive prompt without a statement
  inspect [--port P]       the actor inspector web page (127.0.0.1, DFN_INSPECTOR_PORT, default 8291)

environment: DFN_REGION, DFN_DATA_DIR, DFN_NATS_URL, DFN_NATS_PORT, DFN_INSPECTOR_PORT (see runtime/config.ts)`;

const commands: Record<string, (args: ReturnType<typeof parseArgs>) => Promise<void>> = {
  up: upCommand,
  status: statusCommand,
  env: envCommand,
  host: hostCommand,
  frontend: frontendCommand,
  sql: sqlCommand,
  inspect: inspectCommand,
};

const [name, ...rest] = process.argv.slice(2);
if (!name || name === 'help' || name === '--help' || name === '-h') {
  console.log(USAGE);
} else if (!commands[name]) {
  console.error(`definite: unknown command "${name}"\n\n${USAGE}`);
  process.exit(2);
} else {
  commands[name](parseArgs(rest)).catch((err: Error) => {
    console.error(`definite ${name}: ${err.message}`);
    process.exit(1);
  });
}
