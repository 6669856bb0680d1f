/**
 * The generator source driver: every `tickMs` it commits the next `perTick` offsets (until
 * `maxOffsets`) at the current timestamp, with the new offset as its upstream position; once done
 * it keeps advancing upper on the tick so views over it keep making progress. An offset may yield
 * several rows (TPC-H's lineitem: an order's lines).
 */
import type { GeneratorSource } from '../../../protocol/storage/source.js';
import type { Update } from '../../../protocol/types.js';
import { type DriverContext, type SourceDriver } from './driver.js';
import { generatorRows } from './generators.js';

export class GeneratorDriver implements SourceDriver {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private ticks = 0;

  constructor(
    private readonly spec: GeneratorSource,
    private readonly ctx: DriverContext,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.spec.tickMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  info(): Record<string, unknown> {
    return { generator: this.spec.generator, output: this.spec.output, offset: this.ctx.shard.position, ticks: this.ticks };
  }

  private async tick(): Promise<void> {
    if (!this.ctx.alive()) return this.stop();
    if (this.busy) return;
    this.busy = true;
    try {
      const shard = this.ctx.shard;
      await shard.ingest(this.ctx.clock.now(), (ts) => {
        const from = shard.position;
        const to = Math.max(from, Math.min(from + (this.spec.perTick ?? 1), this.spec.maxOffsets ?? Number.MAX_SAFE_INTEGER));
        const updates: Update[] = [];
        for (let offset = from + 1; offset <= to; offset++) for (const row of generatorRows(this.spec, offset)) updates.push([row, ts, 1]);
        return { updates, extras: { position: to } };
      });
      this.ticks++;
    } catch (err) {
      if (this.ctx.alive()) this.ctx.fail(err);
    } finally {
      this.busy = false;
    }
  }
}
