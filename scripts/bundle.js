// The compiled CLI: JavaScript bundles of cli/main.ts and of the host command alone (what a warm
// spare host process preloads; npm packages left external), cached in
// node_modules/.cache/definite and keyed by the content hash of every source file it was built
// from, so a host process starts from plain JavaScript (≈0.25 s) instead of compiling TypeScript
// through tsx (≈1.2 s). Any edit to an input makes the next start rebuild (esbuild, ≈0.3 s).
// `import.meta.url` is replaced by each source file's own URL, so paths computed from it still
// point into the source tree. Concurrent starts are safe: the bundle's name carries its hash and
// the manifest is replaced by an atomic rename.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, 'node_modules', '.cache', 'definite');

/** The bundles: an entry file, or entry source text resolved from the project root. */
const ENTRIES = {
  cli: { entryPoints: [join(root, 'cli', 'main.ts')] },
  host: {
    stdin: {
      contents: "export { hostCommand } from './cli/host.ts';\nexport { parseArgs } from './cli/args.ts';\n",
      resolveDir: root,
      sourcefile: 'host-entry.ts',
      loader: 'ts',
    },
  },
};

function hashOf(text) {
  return createHash('sha1').update(text).digest('hex');
}

// The bundle holds this tree's absolute source URLs, so it belongs to this tree: two checkouts
// sharing one node_modules (worktrees with a symlinked node_modules) must not take each other's
// bundle, even when their sources are identical (the other tree may be gone).
const treeTag = hashOf(root).slice(0, 10);

/** The cached bundle's path when every input still has the content it was built from. */
function cached(name) {
  const manifestPath = join(cacheDir, `${name}-${treeTag}.json`);
  if (!existsSync(manifestPath)) return undefined;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const bundle = join(cacheDir, manifest.bundle);
    if (!existsSync(bundle)) return undefined;
    for (const [file, hash] of Object.entries(manifest.inputs)) {
      const path = join(root, file);
      if (!existsSync(path) || hashOf(readFileSync(path)) !== hash) return undefined;
    }
    return bundle;
  } catch {
    return undefined;
  }
}

/** Builds the bundle and its manifest; returns the bundle's path. */
async function build(name) {
  const esbuild = await import('esbuild');
  // This script is an input too: a change to how the bundle is built rebuilds it.
  const self = fileURLToPath(import.meta.url);
  const inputs = { [relative(root, self)]: hashOf(readFileSync(self)) };
  const sourceUrls = {
    name: 'source-urls',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        inputs[relative(root, args.path)] = hashOf(readFileSync(args.path));
        const url = JSON.stringify(pathToFileURL(args.path).href);
        return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
  const result = await esbuild.build({
    ...ENTRIES[name],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
    plugins: [sourceUrls],
  });
  const code = result.outputFiles[0].contents;
  const key = hashOf(root + JSON.stringify(Object.entries(inputs).sort()));
  mkdirSync(cacheDir, { recursive: true });
  const bundle = join(cacheDir, `${name}-${key}.mjs`);
  const tmp = `${bundle}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, bundle);
  const manifestPath = join(cacheDir, `${name}-${treeTag}.json`);
  const manifestTmp = `${manifestPath}.${process.pid}.tmp`;
  writeFileSync(manifestTmp, JSON.stringify({ bundle: `${name}-${key}.mjs`, inputs }));
  renameSync(manifestTmp, manifestPath);
  return bundle;
}

/** The path of an up-to-date bundle (`cli` or `host`), building it when needed. */
export async function bundlePath(name) {
  return cached(name) ?? (await build(name));
}
