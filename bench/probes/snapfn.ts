/**
 * Probe: `storedAsSnapshot` and `storedAsConsolidated` alone on 100 batches of 10,000 updates,
 * five times each. `node --import tsx bench/probes/snapfn.ts`
 */
import { storedAsSnapshot, storedAsConsolidated } from '../../actors/storage/stored-consolidated.js';
import { encode } from '../../protocol/codec.js';
const parts = Array.from({ length: 100 }, (_, b) => encode(Array.from({ length: 10000 }, (_, j) => [[b * 10000 + j, `name-${(b * 10000 + j) % 1000}`, (b * 10000 + j) * 0.5], 1.8e12 + b, 1])).slice());
const none = async () => undefined;
for (let k = 0; k < 5; k++) {
  let t = performance.now();
  const c = await storedAsSnapshot(parts, 1.8e12 + 200, 512 * 1024, 20000, none);
  const a = performance.now() - t;
  t = performance.now();
  const d = await storedAsConsolidated(parts, 512 * 1024, 20000, none);
  console.log('snapshot', a.toFixed(0), 'ms', c!.length, 'chunks; consolidated', (performance.now() - t).toFixed(0), 'ms', d!.length);
}
