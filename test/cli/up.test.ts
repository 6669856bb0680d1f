/**
 * `definite up` end to end, as a user runs it: it starts its own nats-server with nats.conf on
 * the configured ports, the environment process, the default storage host and the inspector;
 * `definite status` and the inspector show them; SIGINT (Ctrl-C) stops every process it started.
 */
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, isListening, PROJECT_ROOT } from '../../runtime/nats-server.js';
import { isAlive } from '../../runtime/process-util.js';
import { eventually } from '../helpers/nats.js';
import type { TreeNode } from '../../protocol/inspect/messages.js';

const run = promisify(execFile);

test('up starts NATS and the platform, status shows it, Ctrl-C stops everything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfn-up-'));
  const port = await freePort();
  const inspectorPort = await freePort();
  const pgwirePort = await freePort();
  const env = {
    ...process.env,
    DFN_DATA_DIR: dir,
    DFN_NATS_PORT: String(port),
    DFN_NATS_HTTP_PORT: String(await freePort()),
    DFN_NATS_WS_PORT: String(await freePort()),
    DFN_INSPECTOR_PORT: String(inspectorPort),
    DFN_DEMO: '0',
    DFN_PGWIRE_PORT: String(pgwirePort),
  };
  const bin = join(PROJECT_ROOT, 'bin', 'definite.js');
  const up = spawn(process.execPath, [bin, 'up'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  up.stdout.on('data', (d) => (output += String(d)));
  up.stderr.on('data', (d) => (output += String(d)));
  try {
    const tree = await eventually(async () => {
      const { stdout } = await run(process.execPath, [bin, 'status', '--format', 'json'], { env });
      const root = JSON.parse(stdout) as TreeNode;
      const hosts = root.children?.[0]?.children ?? [];
      return hosts.some((h) => h.id === 'storage-0' && h.state === 'running') ? root : undefined;
    }, 'storage-0 running in status');
    expect(tree.role).toBe('region');
    const { stdout: table } = await run(process.execPath, [bin, 'status'], { env });
    expect(table).toMatch(/orchestrator\s+orchestrator/);
    expect(table).toMatch(/storage-0\s+host/);
    expect(output).toContain('started nats-server');
    // The inspector runs beside the platform, at the URL up printed, and sees the same tree.
    expect(output).toContain(`inspector: http://127.0.0.1:${inspectorPort}/`);
    await eventually(async () => {
      const state = (await (await fetch(`http://127.0.0.1:${inspectorPort}/api/state`)).json()) as { hosts: Array<{ hostId: string; state: string }> };
      return state.hosts.some((h) => h.hostId === 'storage-0' && h.state === 'running');
    }, 'the inspector showing storage-0 running');
    // The Postgres front end listens where up said, and psql's way in works.
    expect(output).toContain(`psql -h 127.0.0.1 -p ${pgwirePort} -U materialize materialize`);
    const { stdout: psqlOut } = await eventually(
      () => run('psql', ['-X', '-At', '-h', '127.0.0.1', '-p', String(pgwirePort), '-U', 'materialize', '-c', 'SELECT current_database()', 'materialize']).catch(() => undefined),
      'psql connecting to the pgwire port',
    );
    expect(psqlOut.trim()).toBe('materialize');
    const pids = [tree.children![0]!.pid!, ...(tree.children![0]!.children ?? []).map((h) => h.pid!)];
    up.kill('SIGINT');
    await new Promise((r) => up.once('exit', r));
    expect(output).toContain('[up] stopped');
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(await isListening(port)).toBe(false);
    expect(await isListening(inspectorPort)).toBe(false);
    expect(await isListening(pgwirePort)).toBe(false);
  } finally {
    if (up.exitCode === null) up.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
