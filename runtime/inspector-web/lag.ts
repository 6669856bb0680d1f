/**
 * Which lag an actor reports, read from its `info()`: a collection's `upper` (any actor reporting a
 * numeric `upper`), a timeline's `readTs`, a cluster's dataflows (`lagMs`, or `frontier` behind the
 * wall clock). Only reads fields; an actor that reports none of them has no series.
 */
import type { SeriesInfo } from './types.js';

export interface LagPoint {
  series: SeriesInfo;
  lagMs: number;
}

/** The lag points of one actor at `now`. */
export function lagPoints(row: { key: string; hostId: string; id: string; kind: string; info?: Record<string, unknown> | undefined }, now: number): LagPoint[] {
  const info = row.info;
  if (!info) return [];
  const out: LagPoint[] = [];
  const base = { hostId: row.hostId, actorId: row.id };
  const upper = frontierValue(info['upper']);
  if (upper !== undefined) {
    out.push({ series: { key: `collection:${row.key}`, category: 'collection', label: row.kind === 'collection' ? row.id : `${row.kind} ${row.id}`, ...base }, lagMs: now - upper });
  }
  if (row.kind === 'timeline') {
    // A timeline that never applied a write (readTs 0) has no read frontier to lag behind.
    const readTs = frontierValue(info['readTs']);
    if (readTs !== undefined && readTs > 0) out.push({ series: { key: `timeline:${row.key}`, category: 'timeline', label: `timeline ${row.id}`, ...base }, lagMs: now - readTs });
  }
  const dataflows = info['dataflows'];
  if (Array.isArray(dataflows)) {
    for (const df of dataflows.slice(0, 50)) {
      if (!df || typeof df !== 'object') continue;
      const d = df as Record<string, unknown>;
      const id = typeof d['id'] === 'string' || typeof d['id'] === 'number' ? String(d['id']) : undefined;
      if (id === undefined) continue;
      // A cluster's dataflow status reports its output frontier as `upper`.
      const frontier = frontierValue(d['frontier'] ?? d['upper']);
      const lag = typeof d['lagMs'] === 'number' && Number.isFinite(d['lagMs']) ? d['lagMs'] : frontier !== undefined ? now - frontier : undefined;
      if (lag === undefined) continue;
      out.push({ series: { key: `dataflow:${row.key}/${id}`, category: 'dataflow', label: `${row.id}/${id}`, ...base }, lagMs: lag });
    }
  }
  return out;
}

/**
 * A frontier as a number: a timestamp, a one-element array holding one (a frontier as an
 * antichain), or a numeric string. The empty frontier (closed) has no lag: undefined.
 */
export function frontierValue(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  if (Array.isArray(v) && v.length === 1) return frontierValue(v[0]);
  return undefined;
}
