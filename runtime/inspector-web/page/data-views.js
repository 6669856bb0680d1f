// Views of what the actors hold, read from their `info()`: collections (since, upper, lag plotted,
// update counts, status), clusters (dataflows with hydration, frontiers and lag), timelines (read
// and write timestamps) and sessions (count, last activity). They render whatever fields actors
// report, so kinds written later show up without changing the page.

import { h, replace, badge, fmtDuration, fmtTimestamp, short } from './dom.js';
import { store, now } from './store.js';
import { lagPlot, colorOf } from './svg.js';

const isCollection = (a) => a.kind === 'collection' || (a.info && ('upper' in a.info || 'since' in a.info));

export function collectionsView() {
  return plottedView('Collections', () => true, true, (body, st, t) => {
    const rows = st.actors.filter(isCollection);
    replace(body, h('h3', {}, `Collections (${rows.length})`), rows.length === 0
      ? h('p', { class: 'empty', id: 'no-collections' }, 'No actor reports since/upper yet. The plot shows every lag the platform reports meanwhile (timelines, dataflows).')
      : table(['collection', 'host', 'state', 'status', 'since', 'upper', 'lag', 'updates', 'upstream position'], rows.map((a) => {
        const i = a.info || {};
        const lag = typeof i.upper === 'number' ? t - i.upper : undefined;
        return h('tr', { dataset: { collection: a.key } }, link(a), td(a.hostId), h('td', {}, badge(a.state, a.stale)), td(i.status), td(fmtTimestamp(i.since)), td(fmtTimestamp(i.upper)), td(lag !== undefined ? fmtDuration(lag) : i.upper === undefined ? '' : 'closed', 'num'), td(i.updates, 'num'), td(short(i.upstreamPosition)));
      })));
  });
}

export function clustersView() {
  return plottedView('Clusters', (sr) => sr.category === 'dataflow', false, (body, st, t) => {
    const clusters = st.actors.filter((a) => a.kind === 'cluster');
    if (clusters.length === 0) return replace(body, h('p', { class: 'empty' }, 'No cluster actors are running.'));
    replace(body, clusters.map((c) => {
      const dfs = Array.isArray(c.info && c.info.dataflows) ? c.info.dataflows : [];
      const extra = [...new Set(dfs.flatMap((d) => Object.keys(d || {})))].filter((k) => !['id', 'hydrated', 'frontier', 'upper', 'lagMs'].includes(k));
      return h('section', { class: 'panel', dataset: { cluster: c.key } },
        h('h3', {}, link(c, 'span'), ' on ', c.hostId, ' ', badge(c.state, c.stale), ` ${dfs.length} dataflow(s)`),
        dfs.length === 0 ? h('p', { class: 'empty' }, 'No dataflows.') : table(['dataflow', 'hydrated', 'frontier', 'lag', ...extra], dfs.map((d) => {
          // A cluster reports a dataflow's output frontier as `upper` ([t]); `frontier` is accepted too.
          const f = d.frontier ?? (Array.isArray(d.upper) ? d.upper[0] : d.upper);
          return h('tr', { dataset: { dataflow: String(d.id) } },
            td(d.id), h('td', { class: d.hydrated ? 'ok' : 'warn' }, hydration(d.hydrated)), td(fmtTimestamp(f)),
            td(typeof d.lagMs === 'number' ? fmtDuration(d.lagMs) : typeof f === 'number' ? fmtDuration(t - f) : '', 'num'),
            extra.map((k) => td(short(d[k]))),
          );
        })),
      );
    }));
  });
}

function hydration(v) {
  if (v === true) return 'hydrated';
  if (v === false || v === undefined) return 'hydrating';
  if (typeof v === 'number') return `${Math.round(v * 100)} %`;
  return short(v);
}

export function timelinesView() {
  return plottedView('Timelines & sessions', (sr) => sr.category === 'timeline', false, (body, st, t) => {
    const timelines = st.actors.filter((a) => a.kind === 'timeline');
    const sessions = st.actors.filter((a) => a.kind === 'session');
    replace(body,
      h('h3', {}, `Timelines (${timelines.length})`),
      timelines.length === 0 ? h('p', { class: 'empty' }, 'No timeline actors are running.') : table(['timeline', 'host', 'state', 'read ts', 'write ts', 'persisted bound', 'read lag'], timelines.map((a) => {
        const i = a.info || {};
        return h('tr', { dataset: { timeline: a.key } }, link(a), td(a.hostId), h('td', {}, badge(a.state, a.stale)), td(fmtTimestamp(i.readTs)), td(fmtTimestamp(i.writeTs)), td(fmtTimestamp(i.bound)), td(typeof i.readTs === 'number' ? fmtDuration(t - i.readTs) : '', 'num'));
      })),
      h('h3', {}, `Sessions (${sessions.length})`),
      sessions.length === 0 ? h('p', { class: 'empty' }, 'No sessions are open.') : table(['session', 'host', 'state', 'last activity', 'messages in', 'info'], sessions.map((a) => {
        const i = a.info || {};
        const last = typeof i.lastActivity === 'number' ? i.lastActivity : typeof i.lastActivityAt === 'number' ? i.lastActivityAt : a.lastActivityAt;
        const rest = Object.fromEntries(Object.entries(i).filter(([k]) => k !== 'lastActivity' && k !== 'lastActivityAt'));
        return h('tr', { dataset: { session: a.key } }, link(a), td(a.hostId), h('td', {}, badge(a.state, a.stale)), td(last ? `${fmtDuration(t - last)} ago` : ''), td(a.counters ? a.counters.messagesIn : '', 'num'), td(short(rest)));
      })),
    );
  });
}

/** A view made of a lag plot (of the series `filter` keeps) and a body `render` redraws. */
function plottedView(title, filter, plotFirst, render) {
  const plot = plotPanel(filter);
  let body;
  return {
    title,
    mount(root) {
      body = h('div');
      if (plotFirst) root.append(plot.el, body);
      else root.append(body, plot.el);
    },
    update() {
      plot.update();
      const st = store.state;
      if (!st) return;
      render(body, st, now());
    },
  };
}

/** The lag plot with a window selector and a clickable legend (hides a series). */
function plotPanel(filter) {
  let windowMs = 5 * 60_000;
  const hidden = new Set();
  const svgBox = h('div', { class: 'plot-box' });
  const legend = h('div', { class: 'legend' });
  const select = h('select', { onchange: (e) => { windowMs = Number(e.target.value); update(); } },
    [[60_000, '1 min'], [5 * 60_000, '5 min'], [10 * 60_000, '10 min']].map(([v, l]) => h('option', { value: v, selected: v === windowMs }, l)));
  const el = h('section', { class: 'panel', id: 'lag-panel' }, h('h3', {}, 'Lag behind the wall clock ', select), svgBox, legend);
  const update = () => {
    const st = store.state;
    if (!st) return;
    const series = st.series.filter(filter);
    if (series.length === 0) return replace(svgBox, h('p', { class: 'empty' }, 'No series yet: nothing reports an upper, a read timestamp or a dataflow frontier.'));
    const t = now();
    replace(svgBox, lagPlot(series, store.history, t, windowMs, hidden));
    replace(legend, series.map((sr) => {
      const pts = store.history[sr.key] || [];
      const last = pts[pts.length - 1];
      return h('button', { type: 'button', class: ['chip', hidden.has(sr.key) && 'off'], dataset: { series: sr.key }, onclick: () => { hidden.has(sr.key) ? hidden.delete(sr.key) : hidden.add(sr.key); update(); } },
        h('span', { class: 'swatch', dataset: { color: colorOf(sr.key) } }), `${sr.category}: ${sr.label}`, last ? ` · ${fmtDuration(last[1])}` : '');
    }));
    for (const sw of legend.querySelectorAll('.swatch')) sw.style.background = sw.dataset.color;
  };
  return { el, update };
}

function table(headers, rows) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))), h('tbody', {}, rows)));
}

function td(v, cls) {
  return h('td', { class: cls }, v === undefined || v === null ? '' : String(v));
}

function link(a, tag = 'td') {
  return h(tag, {}, h('a', { href: `#/actor/${encodeURIComponent(a.hostId)}/${encodeURIComponent(a.id)}` }, a.id));
}
