/**
 * Probe (docs/storage.md, "One table of row bytes"): bench/merge-stall.ts's `mergeStallBench`
 * twice, at argv[2] rows (default 1,000,000). `node --expose-gc --import tsx bench/probes/ms.ts`
 */
import { mergeStallBench } from '../../bench/merge-stall.js';
for (let i = 0; i < 2; i++) for (const f of await mergeStallBench(Number(process.argv[2] ?? 1_000_000))) console.log(f.name.slice(0, 40), f.value.toFixed(1), f.unit, '| base', f.baseline?.value.toFixed(1));
