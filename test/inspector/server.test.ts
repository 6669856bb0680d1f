/**
 * The inspector server against bad requests: unknown paths, wrong methods, bad JSON, schema
 * violations, unknown actors and hosts, oversized bodies, cross-origin writes and foreign Host
 * headers each get a typed JSON error with a 4xx status, and none of them changes anything in the
 * platform (same host pids, no actor restart, the counter's value unchanged). Then one valid action
 * shows the path works at all (so the refusals above are not an inspector that refuses everything).
 */
import { request as httpRequest } from 'node:http';
import { actorSubject, orchestratorSubject } from '../../protocol/subjects.js';
import { startInspector, type RunningInspector } from '../../runtime/inspector-web/index.js';
import { setupNats, eventually, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';

let nats: TestNats;
let p: TestPlatform;
let insp: RunningInspector;
const region = 'isrv';
type Count = { type: 'Count'; value: number; incarnation: number };
type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: Record<string, unknown> };

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  await p.transport.request(orchestratorSubject(region), { type: 'StartHost', hostId: 'h1', actors: [{ kind: 'counter', id: 'c1' }] }, { timeoutMs: 60_000 });
  await p.transport.request(actorSubject(region, 'sys', 'counter', 'c1'), { type: 'Increment', by: 5 });
  insp = await startInspector({
    region,
    natsUrl: nats.url,
    reader: { user: 'inspector', pass: 'inspector-secret' },
    operator: { user: 'operator', pass: 'operator-secret' },
    monitorUrl: `http://127.0.0.1:${nats.server.httpPort}`,
    port: 0,
  });
  await eventually(async () => {
    const r = await call('GET', '/api/actors');
    const actors = r.body['actors'] as Array<{ key: string; state: string }>;
    const h = await call('GET', '/api/health');
    return actors.some((a) => a.key === 'h1/c1' && a.state === 'running') && (h.body['links'] as { operator: { state: string } }).operator.state === 'connected';
  }, 'the inspector sees counter c1 and its operator connection is up');
  await eventually(async () => (await p.hosts()).every((h) => h.state === 'running'), 'every host process is running');
});
afterAll(async () => {
  await insp?.close();
  await p?.cleanup();
  await nats?.cleanup();
});

/** One raw HTTP request (raw so Host, Origin and lying headers can be sent). */
function call(method: string, path: string, options: { headers?: Record<string, string | number>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: insp.port, method, path, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          body = { raw: text };
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const json = { 'Content-Type': 'application/json' };
const post = (body: unknown, headers: Record<string, string> = json) => call('POST', '/api/actions', { headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** The platform facts a bad request must not change. */
async function platformFacts() {
  const hosts = (await p.hosts()).map((h) => ({ hostId: h.hostId, pid: h.pid, restarts: h.restarts, state: h.state })).sort((a, b) => a.hostId.localeCompare(b.hostId));
  const count = await p.transport.request<Count>(actorSubject(region, 'sys', 'counter', 'c1'), { type: 'GetCount' });
  return { hosts, value: count.value, incarnation: count.incarnation };
}

function expectError(r: Reply, status: number, code: string): void {
  expect({ status: r.status, type: r.body['type'], code: r.body['code'] }).toEqual({ status, type: 'Error', code });
  expect(typeof r.body['message']).toBe('string');
  expect(String(r.headers['content-type'])).toMatch(/^application\/json/);
}

test('bad requests get typed JSON errors and change nothing in the platform', async () => {
  const before = await platformFacts();

  expectError(await call('GET', '/nope'), 404, 'NotFound');
  expectError(await call('GET', '/assets/..%2f..%2fpackage.json'), 404, 'NotFound');
  expectError(await call('GET', '/assets/nope.js'), 404, 'NotFound');
  expectError(await call('GET', '/api/actors/%E0%A4%A'), 400, 'MalformedPath');
  expectError(await call('GET', '/api/actors/h1/nobody'), 404, 'NotFound');
  expectError(await call('GET', '/api/hosts/nohost'), 404, 'NotFound');
  expectError(await call('GET', '/api/nats/routez'), 404, 'NotFound');

  const wrongMethod = await call('POST', '/api/state', { headers: json, body: '{}' });
  expectError(wrongMethod, 405, 'MethodNotAllowed');
  expect(wrongMethod.headers['allow']).toBe('GET');
  const getActions = await call('GET', '/api/actions');
  expectError(getActions, 405, 'MethodNotAllowed');
  expect(getActions.headers['allow']).toBe('POST');
  expectError(await call('DELETE', '/api/actions'), 405, 'MethodNotAllowed');

  expectError(await post('{"action": "kill-actor",', json), 400, 'MalformedJson');
  expectError(await post('', json), 400, 'MalformedJson');
  expectError(await post({ action: 'kill-actor', hostId: 'h1', actorId: 'c1', confirm: true }, { 'Content-Type': 'text/plain' }), 415, 'UnsupportedMediaType');
  expectError(await post([1, 2, 3]), 400, 'SchemaViolation');
  expectError(await post({ action: 'format-disk', hostId: 'h1', confirm: true }), 400, 'SchemaViolation');
  const unconfirmed = await post({ action: 'kill-actor', hostId: 'h1', actorId: 'c1' });
  expectError(unconfirmed, 400, 'SchemaViolation');
  expect(unconfirmed.body['message']).toMatch(/confirm/);
  expectError(await post({ action: 'kill-actor', hostId: 'h1', actorId: 'c1', confirm: true, extra: 1 }), 400, 'SchemaViolation');
  expectError(await post({ action: 'kill-actor', hostId: 'h1.>', actorId: 'c1', confirm: true }), 400, 'SchemaViolation');
  expectError(await post({ action: 'kill-actor', hostId: 'h1', confirm: true }), 400, 'SchemaViolation');
  expectError(await post({ action: 'kill-host', hostId: 'h1', actorId: 'c1', confirm: true }), 400, 'SchemaViolation');
  expectError(await post({ action: 'kill-actor', hostId: 'h1', actorId: 'nobody', confirm: true }), 404, 'NotFound');
  expectError(await post({ action: 'kill-actor', hostId: 'nohost', actorId: 'c1', confirm: true }), 404, 'NotFound');
  expectError(await post({ action: 'kill-host', hostId: 'nohost', confirm: true }), 404, 'NotFound');
  expectError(await post({ action: 'kill-host', hostId: 'env', confirm: true }), 409, 'InvalidRequest');

  const huge = JSON.stringify({ action: 'kill-actor', hostId: 'h1', actorId: 'c1', confirm: true, pad: 'x'.repeat(1024 * 1024) });
  expectError(await post(huge), 413, 'PayloadTooLarge');
  // A body larger than its Content-Length says is cut at the limit too.
  expectError(await call('POST', '/api/actions', { headers: { ...json, 'Transfer-Encoding': 'chunked' }, body: huge }), 413, 'PayloadTooLarge');

  const valid = { action: 'kill-actor', hostId: 'h1', actorId: 'c1', confirm: true };
  expectError(await post(valid, { ...json, Origin: 'http://evil.example' }), 403, 'Forbidden');
  expectError(await post(valid, { ...json, 'Sec-Fetch-Site': 'cross-site' }), 403, 'Forbidden');
  expectError(await call('GET', '/api/state', { headers: { Host: 'evil.example' } }), 403, 'Forbidden');
  expectError(await call('POST', '/api/actions', { headers: { ...json, Host: 'attacker.example:8291' }, body: JSON.stringify(valid) }), 403, 'Forbidden');

  // Still serving, and the platform is exactly as it was.
  expect((await call('GET', '/api/health')).status).toBe(200);
  expect((await call('GET', '/')).status).toBe(200);
  expect(await platformFacts()).toEqual(before);
  const c1 = (await call('GET', '/api/actors/h1/c1')).body['actor'] as { restarts: number; state: string };
  expect(c1).toMatchObject({ restarts: 0, state: 'running' });
});

test('the same-origin, confirmed action is carried out (the refusals above are not blanket refusals)', async () => {
  const ok = await post({ action: 'kill-actor', hostId: 'h1', actorId: 'c1', confirm: true }, { ...json, Origin: `http://127.0.0.1:${insp.port}` });
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({ type: 'ActionResult', action: 'kill-actor', hostId: 'h1', actorId: 'c1' });
  const c1 = await eventually(async () => {
    const a = (await call('GET', '/api/actors/h1/c1')).body['actor'] as { restarts: number; state: string };
    return a.restarts === 1 && a.state === 'running' ? a : undefined;
  }, 'c1 restarted by its supervisor');
  expect(c1.restarts).toBe(1);
  // Killed as a crash: its durable value survives.
  const count = await p.transport.request<Count>(actorSubject(region, 'sys', 'counter', 'c1'), { type: 'GetCount' });
  expect(count.value).toBe(5);
});

test('the page and its assets are served with a policy that loads nothing from elsewhere', async () => {
  const page = await call('GET', '/');
  expect(page.status).toBe(200);
  expect(String(page.headers['content-security-policy'])).toContain("default-src 'none'");
  const html = String(page.body['raw']);
  expect(html).not.toMatch(/https?:\/\//);
  for (const asset of ['app.js', 'style.css', 'svg.js']) {
    const r = await call('GET', `/assets/${asset}`);
    expect(r.status).toBe(200);
    expect(String(r.body['raw'])).not.toMatch(/(src|href|url)\s*[=(]\s*['"]?https?:/i);
  }
  const chart = await call('GET', '/api/statechart');
  expect(chart.body['states']).toEqual(['starting', 'recovering', 'running', 'stopping', 'stopped', 'failed', 'backoff']);
});
