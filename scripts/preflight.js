// Runs before `npm start` and `npm test` (their `pre` hooks): installs npm dependencies when
// missing, then the system programs that command needs (scripts/deps.js). As root on a machine with
// apt-get it installs the missing ones with one `apt-get update` + `apt-get install -y`; otherwise
// (or with DFN_PREFLIGHT_NO_INSTALL=1) it prints the exact command and exits 1. Quiet when nothing
// is missing. Finally it builds (or finds up to date) the compiled bundles host processes start from.
import { existsSync } from 'node:fs';
import { execSync, spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCommand, missingFor } from './deps.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** 'start' or 'test': from npm's lifecycle event (prestart / pretest), or the first argument. */
const command = process.argv[2] ?? (process.env.npm_lifecycle_event === 'prestart' ? 'start' : 'test');

if (!existsSync(join(root, 'node_modules', '.package-lock.json')) && !existsSync(join(root, 'node_modules', 'xstate'))) {
  console.log('[preflight] installing npm dependencies...');
  execSync('npm install --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}

const missing = missingFor(command);
if (missing.length > 0) {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  const mayInstall = asRoot && hasApt && process.env.DFN_PREFLIGHT_NO_INSTALL !== '1';
  for (const d of missing) console.error(`[preflight] ${d.name} is not installed: ${d.why}.`);
  if (!mayInstall) {
    console.error(`[preflight] \`npm ${command}\` needs it. Install with: ${installCommand(missing, asRoot)}`);
    process.exit(1);
  }
  console.log(`[preflight] installing: ${installCommand(missing, true)}`);
  const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status;
  if (run(['update', '-qq']) !== 0 || run(['install', '-y', '-qq', ...missing.map((d) => d.apt)]) !== 0) {
    console.error(`[preflight] the install failed; run it yourself: ${installCommand(missing, true)}`);
    process.exit(1);
  }
  const still = missingFor(command);
  if (still.length > 0) {
    console.error(`[preflight] still missing after the install: ${still.map((d) => d.name).join(', ')}`);
    process.exit(1);
  }
}

// `npm test`: nats-server 2.10 (Debian trixie's, with `sync_interval: always`) for the JetStream
// shard backend's tests, fetched into .definite/nats-2.10/ without touching the system
// (scripts/fetch-nats-2.10.sh); when it cannot be fetched those tests use the installed server.
if (command === 'test' && process.env.DFN_PREFLIGHT_NO_INSTALL !== '1' && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0) {
  const r = spawnSync(join(root, 'scripts', 'fetch-nats-2.10.sh'), [], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) console.error(`[preflight] nats-server 2.10 not fetched (${(r.stderr || '').trim().split('\n').pop() || r.error?.message}); the JetStream backend tests use the installed nats-server`);
}

// Build (or find up to date) the compiled bundles host processes start from (scripts/bundle.js);
// a failure only means processes start through tsx.
try {
  const { bundlePath } = await import('./bundle.js');
  await bundlePath('cli');
  await bundlePath('host');
} catch (err) {
  console.error(`[preflight] the compiled bundles could not be built (${err.message}); processes will run through tsx`);
}
