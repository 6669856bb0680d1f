/**
 * The longest event-loop stall of a storage host while compacting merges run: a shard on LevelDB
 * (sync off) gets `rows` rows inserted and then retracted in batches of 10,000, since following
 * upper, so merges below since consolidate runs of up to millions of updates; a 10 ms timer
 * measures the longest gap. Baseline: the same appends with since held at 0 (merges only list
 * key ranges: nothing is consolidated). The growth of the heap and array buffers together at its
 * peak (from a collected heap at the start) and the elapsed time are reported beside it.
 * (docs/storage.md, "Work in slices".)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableStore } from '../runtime/store.js';
import { Shard } from '../actors/storage/shard.js';
import { encode } from '../protocol/codec.js';
import type { Column } from '../protocol/types.js';
import { figure, type Figure } from './figure.js';

const schema: Column[] = [
  { name: 'id', type: 'int', nullable: false },
  { name: 'name', type: 'text', nullable: false },
  { name: 'amount', type: 'float', nullable: true },
];
const BATCH = 10_000;

async function run(rows: number, compact: boolean): Promise<{ stallMs: number; heapMB: number; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'dfn-bench-merge-'));
  const store = await DurableStore.open(join(dir, 'db'), { sync: false });
  const shard = await Shard.open(store.actor('c'), { schema, upper: 1 });
  // Bench processes run with --expose-gc. Array buffers are freed after the collection that
  // finds them dead, so collect, let their finalizers run, and collect again before measuring.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((r) => setTimeout(r, 50));
  gc?.();
  // The heap and the array buffers outside it (typed arrays, Buffers: a merge's row table is one).
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const heapBefore = used();
  let stall = 0;
  let heap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
    heap = Math.max(heap, used());
  }, 10);
  const start = performance.now();
  let upper = 1;
  try {
    for (const diff of [1, -1]) {
      for (let from = 0; from < rows; from += BATCH) {
        const updates = Array.from({ length: BATCH }, (_, i) => [[from + i, `name-${(from + i) % 1000}`, (from + i) * 0.5], upper, diff]);
        const encoded = encode(updates);
        await shard.compareAndAppend({ writer: 'w', token: `t${upper}`, expectedUpper: upper, newUpper: upper + 1, updates: { encoded, count: BATCH, sorted: true, retractions: diff < 0 ? BATCH : 0 } }, 'c');
        upper++;
        if (compact) await shard.advanceSinceTo(upper - 1);
      }
    }
    // Until the merges are done: at most FANOUT - 1 batches per level are left.
    for (let i = 0; i < 3000 && shard.state.batches.length > 8; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    return { stallMs: stall, heapMB: Math.max(0, heap - heapBefore) / 2 ** 20, seconds: (performance.now() - start) / 1000 };
  } finally {
    clearInterval(timer);
    shard.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function mergeStallBench(rows: number): Promise<Figure[]> {
  const base = await run(rows, false);
  const ours = await run(rows, true);
  const n = rows.toLocaleString('en-US');
  return [
    figure(`longest event-loop stall while compacting merges run (${n} rows inserted, then retracted)`, ours.stallMs, 'ms', { name: 'the same appends, nothing compacted', value: base.stallMs }),
    figure(`heap + array buffers growth at its peak, the same compacting run`, ours.heapMB, 'MB', { name: 'the same appends, nothing compacted', value: base.heapMB }),
    figure(`elapsed, the same compacting run`, ours.seconds, 's', { name: 'the same appends, nothing compacted', value: base.seconds }),
  ];
}
