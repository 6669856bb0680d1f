/**
 * `definite inspect`: the actor inspector web page, alone, against a running platform (`definite
 * up` starts it too). Serves on 127.0.0.1:DFN_INSPECTOR_PORT (or `--port`), reads NATS as the
 * `inspector` user and sends actions as the `operator` user; Ctrl-C stops it. It never stops or
 * starts anything of the platform by itself.
 */
import { loadConfig } from '../runtime/config.js';
import { startInspector } from '../runtime/inspector-web/index.js';
import { flag, type ParsedArgs } from './args.js';

export async function inspectCommand(args: ParsedArgs): Promise<void> {
  const config = loadConfig();
  const portFlag = flag(args, 'port');
  const port = portFlag !== undefined ? Number(portFlag) : config.inspectorPort;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a TCP port number (got ${portFlag})`);
  const inspector = await startInspector({
    region: config.region,
    natsUrl: config.natsUrl,
    reader: { user: config.inspectorUser, pass: config.inspectorPass },
    operator: { user: config.operatorUser, pass: config.operatorPass },
    monitorUrl: config.natsMonitorUrl,
    port,
    ...(process.env['DFN_INSPECTOR_POLL_MS'] ? { pollMs: Number(process.env['DFN_INSPECTOR_POLL_MS']) } : {}),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new Error(`port ${port} is in use; set DFN_INSPECTOR_PORT or --port`);
    throw err;
  });
  console.log(`[inspect] inspector for region "${config.region}" at ${inspector.url} (NATS ${config.natsUrl})`);
  const stop = () => {
    void inspector.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
