// Runs before `npm start` and `npm test`: installs npm dependencies when missing, checks that
// nats-server can be found (saying what to do when it cannot), and builds the compiled bundles.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'node_modules', '.package-lock.json')) && !existsSync(join(root, 'node_modules', 'xstate'))) {
  console.log('[preflight] installing npm dependencies...');
  execSync('npm install --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
const found = process.env.DFN_NATS_SERVER_BIN || dirs.find((d) => d && existsSync(join(d, 'nats-server')));
if (!found) {
  console.error('[preflight] nats-server is not installed. On Debian/Ubuntu: sudo apt-get install -y nats-server');
  console.error('[preflight] (or set DFN_NATS_SERVER_BIN to its path, or point DFN_NATS_URL at a running server started with nats.conf)');
  process.exit(1);
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
