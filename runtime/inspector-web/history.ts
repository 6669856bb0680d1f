/**
 * Bounded histories the inspector keeps in memory: message rates from counter samples, lag series
 * for the plot, and the recent event log. Every structure has a hard bound, so an inspector left
 * open for days (or a platform with many actors) cannot grow without limit.
 */
import type { InspectorEvent, SeriesInfo } from './types.js';

/** Messages per second from cumulative counter samples over a sliding window. */
export class RateTracker {
  private samples: Array<{ at: number; in: number; out: number }> = [];

  constructor(private readonly windowMs = 5000) {}

  /** Adds a sample of the cumulative counters; a decrease (a restarted host) starts over. */
  add(at: number, messagesIn: number, messagesOut: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && (messagesIn < last.in || messagesOut < last.out)) this.samples = [];
    if (last && at <= last.at) {
      last.in = messagesIn;
      last.out = messagesOut;
      return;
    }
    this.samples.push({ at, in: messagesIn, out: messagesOut });
    const keepFrom = at - this.windowMs;
    while (this.samples.length > 2 && this.samples[1]!.at <= keepFrom) this.samples.shift();
  }

  /** [in/s, out/s] as of `now`; zero when nothing changed in the window. */
  rates(now: number): [number, number] {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last === first) return [0, 0];
    const dt = (Math.max(now, last.at) - first.at) / 1000;
    if (dt < 0.5) return [0, 0];
    return [(last.in - first.in) / dt, (last.out - first.out) / dt];
  }
}

/** Lag series for the plot: at most `maxSeries` series, each covering the last `historyMs`. */
export class SeriesStore {
  private readonly info = new Map<string, SeriesInfo>();
  private readonly points = new Map<string, Array<[number, number]>>();

  constructor(
    readonly historyMs: number,
    private readonly maxSeries = 200,
  ) {}

  /** Records one point; returns false when the series limit keeps a new series out. */
  add(series: SeriesInfo, at: number, lagMs: number): boolean {
    let pts = this.points.get(series.key);
    if (!pts) {
      if (this.points.size >= this.maxSeries) return false;
      pts = [];
      this.points.set(series.key, pts);
    }
    this.info.set(series.key, series);
    pts.push([at, Math.round(lagMs)]);
    const from = at - this.historyMs;
    let drop = 0;
    while (drop < pts.length && pts[drop]![0] < from) drop++;
    if (drop > 0) pts.splice(0, drop);
    return true;
  }

  /** Forgets series that have had no point for the whole history window. */
  prune(now: number): void {
    for (const [key, pts] of this.points) {
      const last = pts[pts.length - 1];
      if (!last || last[0] < now - this.historyMs) {
        this.points.delete(key);
        this.info.delete(key);
      }
    }
  }

  list(): SeriesInfo[] {
    return [...this.info.values()];
  }

  history(): Record<string, Array<[number, number]>> {
    return Object.fromEntries([...this.points].map(([k, v]) => [k, v.slice()]));
  }
}

/** The most recent events, globally and per subject (actor or host). */
export class EventLog {
  private seq = 0;
  private readonly all: InspectorEvent[] = [];
  private readonly bySubject = new Map<string, InspectorEvent[]>();

  constructor(
    private readonly maxEvents = 1000,
    private readonly maxPerSubject = 50,
    private readonly maxSubjects = 20_000,
  ) {}

  add(event: Omit<InspectorEvent, 'seq'>): InspectorEvent {
    const e: InspectorEvent = { seq: ++this.seq, ...event };
    this.all.push(e);
    if (this.all.length > this.maxEvents) this.all.splice(0, this.all.length - this.maxEvents);
    if (e.hostId !== undefined && e.id !== undefined) {
      const key = `${e.hostId}/${e.id}`;
      let list = this.bySubject.get(key);
      if (!list) {
        if (this.bySubject.size >= this.maxSubjects) this.bySubject.delete(this.bySubject.keys().next().value!);
        list = [];
        this.bySubject.set(key, list);
      }
      list.push(e);
      if (list.length > this.maxPerSubject) list.shift();
    }
    return e;
  }

  recent(limit = 300): InspectorEvent[] {
    return this.all.slice(-limit);
  }

  /** Events about one actor (`<hostId>/<id>`) or one host process (`<hostId>/<hostId>`). */
  of(key: string): InspectorEvent[] {
    return (this.bySubject.get(key) ?? []).slice();
  }
}
