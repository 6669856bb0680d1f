// DOM and formatting helpers of the inspector page. Every piece of text from the platform (ids,
// errors, info values) goes through textContent, never innerHTML: actor data cannot inject markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an element: h('td', {class: 'x', dataset: {key: 'v'}, onclick}, 'text', child, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Creates an SVG element with plain attributes. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

function applyAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = String(dv);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** 1234 ms -> "1.2 s", minutes, hours, days. */
export function fmtDuration(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '';
  const neg = ms < 0;
  const a = Math.abs(ms);
  let out;
  if (a < 1000) out = `${Math.round(a)} ms`;
  else if (a < 60_000) out = `${(a / 1000).toFixed(a < 10_000 ? 1 : 0)} s`;
  else if (a < 3_600_000) out = pair(Math.floor(a / 60_000), 'm', Math.floor((a % 60_000) / 1000), 's');
  else if (a < 86_400_000) out = pair(Math.floor(a / 3_600_000), 'h', Math.floor((a % 3_600_000) / 60_000), 'm');
  else out = pair(Math.floor(a / 86_400_000), 'd', Math.floor((a % 86_400_000) / 3_600_000), 'h');
  return neg ? `-${out}` : out;
}

function pair(a, ua, b, ub) {
  return b ? `${a} ${ua} ${b} ${ub}` : `${a} ${ua}`;
}

export function fmtBytes(n) {
  if (n === undefined || n === null || !Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function fmtNumber(n) {
  if (n === undefined || n === null || !Number.isFinite(n)) return '';
  return Math.abs(n) >= 1e6 ? n.toExponential(2) : Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** A wall-clock time of day with milliseconds. */
export function fmtTime(ms) {
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  return `${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** A timestamp as a time of day, or the number itself when it is not a plausible wall-clock time. */
export function fmtTimestamp(v) {
  if (typeof v !== 'number') return v === undefined || v === null ? '' : short(v);
  return v > 1e12 && v < 1e14 ? `${fmtTime(v)} (${v})` : String(v);
}

/** Any value as short text (objects as JSON, cut at `max`). */
export function short(v, max = 120) {
  if (v === undefined) return '';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A state badge. */
export function badge(state, stale, title) {
  return h('span', { class: ['badge', `st-${cssToken(state)}`, stale && 'stale'], title: title || (stale ? 'last known state' : undefined), dataset: { state } }, stale ? `${state}?` : state);
}

export function cssToken(v) {
  return String(v).replace(/[^A-Za-z0-9_-]/g, '_');
}

/** "3 (1/10)": restarts, then restarts in the supervisor's window against its limit. */
export function fmtRestarts(row) {
  if (row.intensity === undefined) return String(row.restarts ?? 0);
  return `${row.restarts ?? 0} (${row.restartsInWindow ?? 0}/${row.intensity} in ${fmtDuration(row.periodMs)})`;
}

/** Backoff deadline as a countdown. */
export function fmtBackoff(deadline, now) {
  if (!deadline) return '';
  const left = deadline - now;
  return left > 0 ? `restart in ${fmtDuration(left)}` : `restart due ${fmtDuration(-left)} ago`;
}

export function uptime(row, now) {
  return row.runningSince ? fmtDuration(now - row.runningSince) : '';
}
