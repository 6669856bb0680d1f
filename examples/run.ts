/**
 * `npm run example NAME [-- args]`: runs examples/NAME.ts (its top level or its `main()` export).
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const name = process.argv[2];
const available = readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3));
if (!name || !existsSync(join(here, `${name}.ts`))) {
  console.error(`usage: npm run example NAME\navailable: ${available.join(', ') || '(none yet)'}`);
  process.exit(2);
}
process.argv.splice(2, 1);
const mod = (await import(join(here, `${name}.ts`))) as { main?: () => Promise<void> };
if (typeof mod.main === 'function') await mod.main();
