// The NATS view: the server (/varz), its connections (/connz) and JetStream streams and consumers
// (/jsz), read every two seconds through the inspector server while the view is open.

import { h, replace, fmtBytes, fmtNumber, short } from './dom.js';
import { kv } from './detail.js';

export function natsView() {
  let body;
  let timer;
  let alive = true;
  const data = { varz: null, connz: null, jsz: null, errors: {} };
  const load = async () => {
    await Promise.all(['varz', 'connz', 'jsz'].map(async (name) => {
      try {
        const res = await fetch(`/api/nats/${name}`);
        const json = await res.json();
        if (res.ok) {
          data[name] = json;
          delete data.errors[name];
        } else data.errors[name] = `${json.code}: ${json.message}`;
      } catch (err) {
        data.errors[name] = `the inspector server did not answer (${err.message})`;
      }
    }));
    if (!alive) return;
    render();
    timer = setTimeout(load, 2000);
  };
  const render = () => {
    const v = data.varz;
    const errs = Object.entries(data.errors).map(([k, m]) => h('p', { class: 'error' }, `${k}: ${m}`));
    replace(body,
      errs,
      h('div', { class: 'panels' },
        h('section', { class: 'panel', id: 'nats-server' }, h('h3', {}, 'Server'), v ? kv([
          ['name', v.server_name], ['id', v.server_id], ['version', v.version], ['uptime', v.uptime], ['connections', v.connections], ['total connections', v.total_connections],
          ['subscriptions', v.subscriptions], ['messages in / out', `${v.in_msgs} / ${v.out_msgs}`], ['bytes in / out', `${fmtBytes(v.in_bytes)} / ${fmtBytes(v.out_bytes)}`],
          ['slow consumers', v.slow_consumers], ['memory', fmtBytes(v.mem)], ['cpu', `${v.cpu} %`], ['max payload', fmtBytes(v.max_payload)],
          ['JetStream', v.jetstream && v.jetstream.stats ? `memory ${fmtBytes(v.jetstream.stats.memory)}, storage ${fmtBytes(v.jetstream.stats.storage)}` : 'off'],
        ]) : h('p', { class: 'empty' }, 'Loading…')),
      ),
      h('section', { class: 'panel', id: 'nats-connections' }, h('h3', {}, `Connections${data.connz ? ` (${data.connz.num_connections})` : ''}`), data.connz ? grid(
        ['cid', 'name', 'address', 'uptime', 'idle', 'subs', 'pending', 'msgs in', 'msgs out', 'bytes in', 'bytes out', 'client'],
        (data.connz.connections || []).map((c) => [c.cid, c.name || '', `${c.ip}:${c.port}`, c.uptime, c.idle, c.subscriptions, fmtBytes(c.pending_bytes), c.in_msgs, c.out_msgs, fmtBytes(c.in_bytes), fmtBytes(c.out_bytes), `${c.lang || ''} ${c.version || ''}`]),
      ) : null),
      jetstream(data.jsz),
    );
  };
  return {
    title: 'NATS',
    mount(root) {
      body = h('div', { id: 'nats' }, h('p', { class: 'empty' }, 'Loading NATS monitoring…'));
      root.append(h('p', { class: 'hint' }, 'From the NATS server\'s monitoring endpoints (/varz, /connz, /jsz), through the inspector server.'), body);
      void load();
    },
    update() {},
    unmount() {
      alive = false;
      clearTimeout(timer);
    },
  };
}

function jetstream(jsz) {
  if (!jsz) return null;
  const streams = [];
  const consumers = [];
  for (const acc of jsz.account_details || []) {
    for (const st of acc.stream_detail || []) {
      streams.push([acc.name, st.name, fmtNumber(st.state && st.state.messages), fmtBytes(st.state && st.state.bytes), st.state && `${st.state.first_seq}..${st.state.last_seq}`, st.state && st.state.consumer_count]);
      for (const c of st.consumer_detail || []) {
        consumers.push([st.name, c.name, c.num_pending, c.num_ack_pending, c.num_redelivered, c.num_waiting, c.delivered && c.delivered.stream_seq, c.ack_floor && c.ack_floor.stream_seq, short(c.config && (c.config.durable_name ? 'durable' : 'ephemeral'))]);
      }
    }
  }
  return h('section', { class: 'panel', id: 'nats-jetstream' },
    h('h3', {}, `JetStream: ${jsz.streams ?? 0} stream(s), ${jsz.consumers ?? 0} consumer(s), ${fmtNumber(jsz.messages ?? 0)} message(s)`),
    streams.length ? grid(['account', 'stream', 'messages', 'bytes', 'sequences', 'consumers'], streams) : h('p', { class: 'empty' }, 'No streams.'),
    consumers.length ? grid(['stream', 'consumer', 'pending', 'ack pending', 'redelivered', 'waiting', 'delivered seq', 'ack floor', 'type'], consumers) : h('p', { class: 'empty' }, 'No consumers.'),
  );
}

function grid(headers, rows) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((v) => h('td', {}, v === undefined || v === null ? '' : String(v)))))),
  ));
}
