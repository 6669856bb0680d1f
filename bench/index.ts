/**
 * `npm run bench [-- --json FILE] [-- --only runtime|storage|compute|control]`: runs every
 * benchmark module and prints each figure beside its baseline measured in the same run.
 * Needs `node --expose-gc` (the npm script passes it).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from './figure.js';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const jsonAt = argv.indexOf('--json');
const jsonFile = jsonAt >= 0 ? argv[jsonAt + 1] : undefined;
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? argv[onlyAt + 1] : undefined;

/** Bench modules: file name and the exported function that returns figures. */
const MODULES: Array<[string, string]> = [
  ['runtime', 'benchRuntime'],
  ['storage', 'benchStorage'],
  ['compute', 'benchCompute'],
  ['control', 'benchControl'],
];

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(4);
}

const all: Array<Figure & { module: string }> = [];
for (const [name, fn] of MODULES) {
  if (only && only !== name) continue;
  const file = join(here, `${name}.ts`);
  if (!existsSync(file)) continue;
  const mod = (await import(file)) as Record<string, () => Promise<Figure[]>>;
  if (typeof mod[fn] !== 'function') continue;
  console.log(`\n== ${name}`);
  const figures = await mod[fn]!();
  for (const f of figures) {
    all.push({ ...f, module: name });
    const base = f.baseline ? `   baseline ${f.baseline.name}: ${fmt(f.baseline.value)} ${f.unit}   ratio ${fmt(f.ratio!)}` : '';
    const target = f.target ? `   target ${f.target.text}: ${f.target.met ? 'met' : 'NOT met'}` : '';
    console.log(`${f.name}: ${fmt(f.value)} ${f.unit}${base}${target}`);
  }
}
if (jsonFile) {
  writeFileSync(jsonFile, JSON.stringify({ at: new Date().toISOString(), node: process.version, figures: all }, null, 2));
  console.log(`\nwrote ${jsonFile}`);
}
process.exit(0);
