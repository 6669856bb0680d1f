/**
 * `npm run bench [-- --json FILE] [-- --only runtime|storage|compute|control|scale|pgwire|pgwire-copy|tpch|sessions|sinks|nexmark|rehydration|window|pg-cdc]`: runs every
 * benchmark module and prints each figure beside its baseline measured in the same run.
 * Each module runs in a fresh Node.js process of its own (same flags: `--expose-gc`, tsx), so
 * no module's heap, JIT state or leftover timers weigh on another's figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from './figure.js';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const option = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};

/** Bench modules: file name and the exported function that returns figures. */
const MODULES: Array<[string, string]> = [
  ['runtime', 'benchRuntime'],
  ['storage', 'benchStorage'],
  ['compute', 'benchCompute'],
  ['control', 'benchControl'],
  ['scale', 'benchScale'],
  ['pgwire', 'benchPgwire'],
  ['pgwire-copy', 'benchPgwireCopy'],
  ['tpch', 'benchTpch'],
  ['sessions', 'benchSessions'],
  ['sinks', 'benchSinks'],
  ['nexmark', 'benchNexmark'],
  ['rehydration', 'benchRehydration'],
  ['window', 'benchWindow'],
  ['pg-cdc', 'benchPgCdc'],
];

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(4);
}

/** In the module's own process: runs it, prints its figures, writes them to `out`. */
async function runModule(name: string, out: string): Promise<void> {
  const fn = MODULES.find(([n]) => n === name)?.[1];
  if (!fn) throw new Error(`unknown bench module ${name}`);
  const mod = (await import(join(here, `${name}.ts`))) as Record<string, () => Promise<Figure[]>>;
  console.log(`\n== ${name}`);
  const figures = await mod[fn]!();
  for (const f of figures) {
    const base = f.baseline ? `   baseline ${f.baseline.name}: ${fmt(f.baseline.value)} ${f.unit}   ratio ${fmt(f.ratio!)}` : '';
    const target = f.target ? `   target ${f.target.text}: ${f.target.met ? 'met' : 'NOT met'}` : '';
    console.log(`${f.name}: ${fmt(f.value)} ${f.unit}${base}${target}`);
  }
  writeFileSync(out, JSON.stringify(figures));
}

const inModule = option('--run-module');
if (inModule) {
  await runModule(inModule, option('--out')!);
  process.exit(0);
}

const only = option('--only');
const jsonFile = option('--json');
const dir = mkdtempSync(join(tmpdir(), 'dfn-bench-'));
const all: Array<Figure & { module: string }> = [];
let failed = false;
for (const [name] of MODULES) {
  if (only && only !== name) continue;
  if (!existsSync(join(here, `${name}.ts`))) continue;
  const out = join(dir, `${name}.json`);
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--run-module', name, '--out', out], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(out)) {
    console.error(`bench module ${name} failed (exit ${r.status ?? r.signal})`);
    failed = true;
    continue;
  }
  for (const f of JSON.parse(readFileSync(out, 'utf8')) as Figure[]) all.push({ ...f, module: name });
}
rmSync(dir, { recursive: true, force: true });
if (jsonFile) {
  writeFileSync(jsonFile, JSON.stringify({ at: new Date().toISOString(), node: process.version, figures: all }, null, 2));
  console.log(`\nwrote ${jsonFile}`);
}
process.exit(failed ? 1 : 0);
