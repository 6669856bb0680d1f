/**
 * The injectable clock. Runtime code asks a Clock for the time and for timers instead of calling
 * Date.now/setTimeout, so restart and chaos tests can run on a ManualClock and replay exactly.
 */

/** A handle to a scheduled timer. */
export interface TimerHandle {
  cancel(): void;
}

/** Time and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

/** The wall clock. Timers are unref'd so they never keep a process alive on their own. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  }
}

/** A clock that moves only when told to (`advance`), firing due timers in deadline order. */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: Array<{ at: number; seq: number; fn: () => void; cancelled: boolean }> = [];

  constructor(start = 0) {
    this.time = start;
  }
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }
  /** Moves time forward by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.time = next.at;
      next.fn();
    }
    this.time = target;
  }
  /** The number of timers still pending. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}

/** The clock used when none is injected. */
export const systemClock: Clock = new SystemClock();
