// The actor table (sortable by any column, filterable with free text or `field:value` terms) and
// the event log. Observer's process table, for a definite region.

import { h, replace, badge, fmtBytes, fmtDuration, fmtNumber, fmtTime, fmtBackoff, short } from './dom.js';
import { store, now } from './store.js';
import { actionButton } from './actions.js';

const ACTOR_COLUMNS = [
  { key: 'kind', label: 'kind', value: (r) => r.kind },
  { key: 'id', label: 'id', value: (r) => r.id },
  { key: 'host', label: 'host', value: (r) => r.hostId },
  { key: 'state', label: 'state', value: (r) => r.state, cell: (r) => badge(r.state, r.stale, r.staleReason) },
  { key: 'uptime', label: 'uptime', value: (r, t) => (r.runningSince && r.state === 'running' ? t - r.runningSince : -1), cell: (r, t) => (r.runningSince && r.state === 'running' ? fmtDuration(t - r.runningSince) : '') },
  { key: 'restarts', label: 'restarts', value: (r) => r.restarts, cell: (r) => (r.intensity !== undefined ? `${r.restarts} (${r.restartsInWindow ?? 0}/${r.intensity})` : String(r.restarts)) },
  { key: 'mailbox', label: 'mailbox', value: (r) => (r.counters ? r.counters.mailbox + r.counters.stashed : 0), num: true },
  { key: 'in', label: 'in/s', value: (r) => r.rateIn, cell: (r) => fmtNumber(r.rateIn), num: true },
  { key: 'out', label: 'out/s', value: (r) => r.rateOut, cell: (r) => fmtNumber(r.rateOut), num: true },
  { key: 'errors', label: 'errors', value: (r) => (r.counters ? r.counters.errors : 0), num: true },
  { key: 'mem', label: 'host rss', value: (r) => (r.hostMemory ? r.hostMemory.rss : 0), cell: (r) => fmtBytes(r.hostMemory && r.hostMemory.rss), num: true },
  { key: 'error', label: 'last error / backoff', value: (r) => r.lastError || '', cell: (r, t) => (r.state === 'backoff' && r.backoffDeadline ? fmtBackoff(r.backoffDeadline, t) : short(r.lastError || '', 60)) },
];

/** Matches a row against free-text terms and `field:value` terms (kind:, id:, host:, state:). */
export function matches(row, filter) {
  const terms = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const all = `${row.kind} ${row.id} ${row.hostId} ${row.state} ${row.lastError || ''}`.toLowerCase();
  return terms.every((term) => {
    const i = term.indexOf(':');
    if (i > 0) {
      const field = term.slice(0, i);
      const v = term.slice(i + 1);
      const value = { kind: row.kind, id: row.id, host: row.hostId, state: row.state }[field];
      if (value !== undefined) return String(value).toLowerCase().includes(v);
    }
    return all.includes(term);
  });
}

export function actorsView() {
  let sort = { key: 'host', dir: 1 };
  let filter = '';
  let body;
  let count;
  return {
    title: 'Actors',
    mount(root) {
      const input = h('input', { id: 'actor-filter', type: 'search', placeholder: 'filter: text, kind:counter, state:running, host:storage-0', value: filter, oninput: (e) => { filter = e.target.value; this.update(); } });
      count = h('span', { class: 'count' });
      body = h('div', { class: 'table-wrap' });
      root.append(h('div', { class: 'toolbar' }, input, count), body);
    },
    update() {
      const st = store.state;
      if (!st) return replace(body, h('p', { class: 'empty' }, 'Waiting for the inspector server…'));
      const t = now();
      const col = ACTOR_COLUMNS.find((c) => c.key === sort.key) || ACTOR_COLUMNS[0];
      const rows = st.actors.filter((r) => matches(r, filter));
      rows.sort((a, b) => {
        const x = col.value(a, t);
        const y = col.value(b, t);
        return (x < y ? -1 : x > y ? 1 : a.key < b.key ? -1 : 1) * sort.dir;
      });
      count.textContent = `${rows.length} of ${st.actors.length} actors`;
      const head = h('tr', {}, ACTOR_COLUMNS.map((c) => h('th', {
        class: ['sortable', c.num && 'num', sort.key === c.key && (sort.dir > 0 ? 'asc' : 'desc')],
        dataset: { sort: c.key },
        onclick: () => { sort = sort.key === c.key ? { key: c.key, dir: -sort.dir } : { key: c.key, dir: 1 }; this.update(); },
      }, c.label)), h('th', {}, ''));
      const trs = rows.map((r) => h('tr', { class: [r.stale && 'stale'], dataset: { actor: r.key, state: r.state }, onclick: () => { location.hash = `#/actor/${encodeURIComponent(r.hostId)}/${encodeURIComponent(r.id)}`; } },
        ACTOR_COLUMNS.map((c) => h('td', { class: [c.num && 'num', c.key === 'error' && r.lastError && 'error'], title: c.key === 'error' ? r.lastError : undefined }, c.cell ? c.cell(r, t) : String(c.value(r, t)))),
        h('td', { class: 'actions' }, actionButton('kill-actor', { hostId: r.hostId, actorId: r.id }, 'Kill')),
      ));
      replace(body, h('table', { class: 'grid', id: 'actor-table' }, h('thead', {}, head), h('tbody', {}, trs.length ? trs : h('tr', {}, h('td', { colspan: ACTOR_COLUMNS.length + 1, class: 'empty' }, 'No actor matches.')))));
    },
  };
}

export function eventsView() {
  let filter = '';
  let body;
  return {
    title: 'Events',
    mount(root) {
      const input = h('input', { id: 'event-filter', type: 'search', placeholder: 'filter events', oninput: (e) => { filter = e.target.value.toLowerCase(); this.update(); } });
      body = h('div', { class: 'table-wrap' });
      root.append(h('div', { class: 'toolbar' }, input), body);
    },
    update() {
      replace(body, eventTable(store.events.slice().reverse(), filter, 500));
    },
  };
}

/** A table of events, newest first. */
export function eventTable(events, filter = '', limit = 200) {
  const rows = [];
  for (const e of events) {
    const subject = [e.hostId, e.kind, e.id].filter(Boolean).join(' / ');
    const what = e.from || e.to ? `${e.from ?? ''} → ${e.to ?? ''}` : '';
    const detail = [e.detail, e.error && `error: ${e.error}`, e.backoffDeadline && `restart due ${fmtTime(e.backoffDeadline)}`, e.restarts !== undefined && `restarts ${e.restarts}`].filter(Boolean).join(' · ');
    if (filter && !`${e.source} ${subject} ${what} ${detail}`.toLowerCase().includes(filter)) continue;
    rows.push(h('tr', { class: [`src-${e.source}`, e.to && `to-${e.to}`], dataset: { event: e.seq, source: e.source, from: e.from ?? '', to: e.to ?? '', host: e.hostId ?? '', id: e.id ?? '' } },
      h('td', { class: 'time' }, fmtTime(e.at)),
      h('td', {}, e.source),
      h('td', {}, subject),
      h('td', { class: 'transition' }, what),
      h('td', { class: e.error ? 'error' : '' }, detail),
    ));
    if (rows.length >= limit) break;
  }
  return h('table', { class: 'grid events' },
    h('thead', {}, h('tr', {}, h('th', {}, 'time'), h('th', {}, 'source'), h('th', {}, 'subject'), h('th', {}, 'transition'), h('th', {}, 'detail'))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No events yet.'))),
  );
}
