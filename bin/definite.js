#!/usr/bin/env node
// The `definite` command: runs the CLI from a compiled JavaScript bundle of the TypeScript sources
// (scripts/bundle.js, rebuilt when a source changes), or through tsx when the bundle cannot be
// built or DFN_TSX=1 asks for it.
//
// `definite host --spare` is a warm spare host process (runtime/spare-host.ts): it loads every
// module of a host, then waits for one line `{"hostId": ...}` on stdin and becomes that host. If
// stdin closes first (its orchestrator is gone), it exits.
import { pathToFileURL } from 'node:url';
import { bundlePath } from '../scripts/bundle.js';

/** The URL of an up-to-date bundle, or undefined (tsx asked for, or the build failed). */
async function bundled(name) {
  if (process.env.DFN_TSX === '1') return undefined;
  try {
    return pathToFileURL(await bundlePath(name)).href;
  } catch (err) {
    console.error(`definite: cannot build the ${name} bundle (${err.message}); running through tsx`);
    return undefined;
  }
}

async function registerTsx() {
  const { register } = await import('tsx/esm/api');
  register();
}

/** The first line written to stdin, or undefined when stdin closes without one. */
function firstLine() {
  return new Promise((resolve) => {
    let text = '';
    const done = (line) => {
      process.stdin.removeAllListeners();
      process.stdin.destroy();
      resolve(line);
    };
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl >= 0) done(text.slice(0, nl));
    });
    process.stdin.on('end', () => done(undefined));
    process.stdin.on('error', () => done(undefined));
  });
}

if (process.argv[2] === 'host' && process.argv.includes('--spare')) {
  const url = await bundled('host');
  if (!url) await registerTsx();
  const { hostCommand, parseArgs } = url ? await import(url) : { ...(await import('../cli/host.ts')), ...(await import('../cli/args.ts')) };
  const line = await firstLine();
  if (line === undefined) process.exit(0);
  const { hostId } = JSON.parse(line);
  process.env.DFN_HOST_ID = hostId;
  console.log(`[spare] pid ${process.pid} becomes host ${hostId}`);
  hostCommand(parseArgs(['--host-id', hostId])).catch((err) => {
    console.error(`definite host ${hostId}: ${err.message}${err.cause ? ` (${err.cause.message ?? err.cause})` : ''}`);
    process.exit(1);
  });
} else {
  const url = await bundled('cli');
  if (url) await import(url);
  else {
    await registerTsx();
    await import('../cli/main.ts');
  }
}
