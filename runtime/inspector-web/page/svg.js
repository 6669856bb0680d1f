// Inline SVG drawings: the lifecycle statechart (current state highlighted, the last transition
// marked) and the lag plot (one line per series over the last minutes, log-scaled milliseconds).

import { s, fmtDuration, fmtTime } from './dom.js';

// Where the known lifecycle states sit: the happy path across the middle (entered from stopped on
// the left), stopping above, failure and backoff below. A state added to the machine later gets a
// free slot on the right.
const LAYOUT = {
  stopped: [90, 145],
  starting: [250, 145],
  recovering: [410, 145],
  running: [570, 145],
  stopping: [410, 40],
  backoff: [250, 250],
  failed: [410, 250],
};
const NODE_W = 110;
const NODE_H = 34;

/**
 * The statechart of `chart` ({states, transitions, initial}) with `current` highlighted and the
 * transition `last` ({from, to}) marked.
 */
export function statechart(chart, current, last) {
  const pos = {};
  let extra = 0;
  for (const st of chart.states) pos[st] = LAYOUT[st] || [720, 40 + 70 * extra++];
  const height = Math.max(285, ...Object.values(pos).map(([, y]) => y + 40));
  const width = Math.max(680, ...Object.values(pos).map(([x]) => x + NODE_W / 2 + 10));
  const svg = s('svg', { class: 'statechart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `lifecycle statechart, current state ${current}` });
  svg.append(
    s('defs', {},
      s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' })),
      s('marker', { id: 'arrow-last', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead last' })),
    ),
  );
  // Merge events between the same pair of states into one labelled edge.
  const edges = new Map();
  for (const t of chart.transitions) {
    if (t.from === t.to) continue;
    const key = `${t.from}>${t.to}`;
    if (!edges.has(key)) edges.set(key, { from: t.from, to: t.to, events: [] });
    edges.get(key).events.push(t.event);
  }
  for (const e of edges.values()) {
    const isLast = last && last.from === e.from && last.to === e.to;
    svg.append(edge(pos, e, isLast));
  }
  const [ix, iy] = pos[chart.initial] || [0, 0];
  const top = iy - NODE_H / 2;
  svg.append(s('circle', { cx: ix - 30, cy: top - 26, r: 5, class: 'initial' }), s('line', { x1: ix - 27, y1: top - 21, x2: ix - 20, y2: top - 2, class: 'edge', 'marker-end': 'url(#arrow)' }));
  for (const st of chart.states) {
    const [x, y] = pos[st];
    const cls = ['state', st === current && 'current', last && st === last.from && st !== current && 'previous'].filter(Boolean).join(' ');
    svg.append(
      s('g', { class: cls, 'data-state': st },
        s('rect', { x: x - NODE_W / 2, y: y - NODE_H / 2, width: NODE_W, height: NODE_H, rx: 10 }),
        s('text', { x, y: y + 5, 'text-anchor': 'middle' }, st),
      ),
    );
  }
  return svg;
}

function edge(pos, e, isLast) {
  const [x1, y1] = pos[e.from];
  const [x2, y2] = pos[e.to];
  const dx = x2 - x1;
  const dy = y2 - y1;
  const len = Math.hypot(dx, dy) || 1;
  // Bend every edge a little to its left; an edge whose straight line would cross another state
  // bows out to whichever side keeps it farther from the other states.
  const others = Object.entries(pos).filter(([name]) => name !== e.from && name !== e.to).map(([, p]) => p);
  const crosses = others.some(([px, py]) => segmentHitsBox(px, py, x1, y1, x2, y2));
  const nx = -dy / len;
  const ny = dx / len;
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2;
  let bend = 22;
  if (crosses) {
    const clearance = (b) => Math.min(...others.map(([px, py]) => Math.hypot(px - (mx + nx * b * 0.5), py - (my + ny * b * 0.5))));
    bend = clearance(110) >= clearance(-110) ? 110 : -110;
  }
  const cx = mx + nx * bend;
  const cy = my + ny * bend;
  const [sx, sy] = clipToBox(x1, y1, cx, cy);
  const [ex, ey] = clipToBox(x2, y2, cx, cy);
  const side = bend > 0 ? 1 : -1;
  const lx = 0.25 * sx + 0.5 * cx + 0.25 * ex + nx * 8 * side;
  const ly = 0.25 * sy + 0.5 * cy + 0.25 * ey + ny * 8 * side;
  return s('g', { class: isLast ? 'transition last' : 'transition', 'data-from': e.from, 'data-to': e.to },
    s('path', { d: `M ${sx} ${sy} Q ${cx} ${cy} ${ex} ${ey}`, class: 'edge', 'marker-end': isLast ? 'url(#arrow-last)' : 'url(#arrow)' }),
    s('text', { x: lx, y: ly + 3, 'text-anchor': 'middle', class: 'edge-label' }, e.events.join(' / ')),
  );
}

/** Where the line from a box centre (x, y) towards (tx, ty) leaves the box. */
function clipToBox(x, y, tx, ty) {
  const dx = tx - x;
  const dy = ty - y;
  const sx = dx === 0 ? Infinity : NODE_W / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : NODE_H / 2 / Math.abs(dy);
  const k = Math.min(sx, sy, 1);
  return [x + dx * k, y + dy * k];
}

/** True when the segment passes through the box of a state centred at (px, py), with a margin. */
function segmentHitsBox(px, py, x1, y1, x2, y2) {
  for (let i = 1; i < 40; i++) {
    const x = x1 + ((x2 - x1) * i) / 40;
    const y = y1 + ((y2 - y1) * i) / 40;
    if (Math.abs(x - px) < NODE_W / 2 + 6 && Math.abs(y - py) < NODE_H / 2 + 6) return true;
  }
  return false;
}

const COLORS = ['#4e9af1', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac'];

/** A stable colour per series key. */
export function colorOf(key) {
  let hash = 0;
  for (const ch of key) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  return COLORS[Math.abs(hash) % COLORS.length];
}

const W = 900;
const H = 260;
const M = { left: 64, right: 16, top: 12, bottom: 28 };

/**
 * The lag plot: `series` [{key, label}], `history` key -> [[at, lagMs]], over [now - windowMs, now].
 * The y axis is logarithmic (1 ms .. the largest lag), so a 50 ms collection lag and an idle
 * timeline's minutes fit on one plot; lags at or below 1 ms are drawn on the bottom line.
 */
export function lagPlot(series, history, now, windowMs, hidden) {
  const from = now - windowMs;
  const visible = series.filter((sr) => !hidden.has(sr.key));
  let max = 1000;
  for (const sr of visible) for (const [at, lag] of history[sr.key] || []) if (at >= from && lag > max) max = lag;
  const top = 10 ** Math.ceil(Math.log10(max));
  const x = (at) => M.left + ((at - from) / windowMs) * (W - M.left - M.right);
  const y = (lag) => H - M.bottom - (Math.log10(Math.max(1, lag)) / Math.log10(top)) * (H - M.top - M.bottom);
  const svg = s('svg', { id: 'lag-plot', class: 'plot', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'lag behind the wall clock' });
  const axes = s('g', { class: 'axes' });
  for (let d = 1; d <= top; d *= 10) {
    axes.append(s('line', { x1: M.left, x2: W - M.right, y1: y(d), y2: y(d), class: 'grid' }), s('text', { x: M.left - 6, y: y(d) + 4, 'text-anchor': 'end' }, d === 1 ? '≤1 ms' : fmtDuration(d)));
  }
  const step = windowMs <= 120_000 ? 15_000 : windowMs <= 600_000 ? 60_000 : 300_000;
  for (let t = Math.ceil(from / step) * step; t <= now; t += step) {
    axes.append(s('line', { x1: x(t), x2: x(t), y1: M.top, y2: H - M.bottom, class: 'grid' }), s('text', { x: x(t), y: H - 8, 'text-anchor': 'middle' }, fmtTime(t).slice(0, 8)));
  }
  svg.append(axes);
  for (const sr of visible) {
    const pts = (history[sr.key] || []).filter(([at]) => at >= from);
    const color = colorOf(sr.key);
    const coords = pts.map(([at, lag]) => `${x(at).toFixed(1)},${y(lag).toFixed(1)}`).join(' ');
    const g = s('g', { class: 'series', 'data-series': sr.key, 'data-points': pts.length });
    g.append(s('polyline', { points: coords, fill: 'none', stroke: color, 'stroke-width': 2 }));
    const lastPt = pts[pts.length - 1];
    if (lastPt) g.append(s('circle', { cx: x(lastPt[0]), cy: y(lastPt[1]), r: 3.5, fill: color }));
    svg.append(g);
  }
  return svg;
}
