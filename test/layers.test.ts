/**
 * The layer rule: STORAGE imports nothing from COMPUTE or CONTROL, COMPUTE nothing from CONTROL,
 * `protocol/` imports nothing of ours outside protocol/, and `runtime/` nothing from actors/.
 * Checked on the import specifiers of every TypeScript file.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { PROJECT_ROOT } from '../runtime/nats-server.js';

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Project-relative targets of a file's relative imports (static, dynamic and re-exports). */
function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    out.push(relative(PROJECT_ROOT, resolve(dirname(file), m[1]!)));
  }
  return out;
}

const rules: Array<{ from: string; forbidden: string[]; allowedOnly?: string[] }> = [
  { from: 'actors/storage', forbidden: ['actors/compute', 'actors/control', 'protocol/compute', 'protocol/control'] },
  { from: 'protocol/storage', forbidden: ['protocol/compute', 'protocol/control'] },
  { from: 'actors/compute', forbidden: ['actors/control', 'protocol/control'] },
  { from: 'protocol/compute', forbidden: ['protocol/control'] },
  { from: 'protocol', forbidden: [], allowedOnly: ['protocol'] },
  { from: 'runtime', forbidden: ['actors', 'cli', 'examples', 'bench'] },
];

test.each(rules)('$from respects the layer rule', ({ from, forbidden, allowedOnly }) => {
  const violations: string[] = [];
  for (const f of files(join(PROJECT_ROOT, from))) {
    for (const target of imports(f)) {
      const bad = forbidden.some((x) => target === x || target.startsWith(x + '/')) || (allowedOnly && !allowedOnly.some((x) => target.startsWith(x + '/')));
      if (bad) violations.push(`${relative(PROJECT_ROOT, f)} -> ${target}`);
    }
  }
  expect(violations).toEqual([]);
});

test('the checker sees imports (it can fail)', () => {
  const found = files(join(PROJECT_ROOT, 'runtime')).flatMap(imports);
  expect(found).toContain('protocol/codec.js');
});
