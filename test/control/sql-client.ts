/**
 * Test helper: a CONTROL client over plain NATS request/reply as the `client` user of nats.conf
 * (the same permissions any client has; another account's client user when given), with `sql()` returning the statement results and
 * `sqlError()` the SqlError a statement fails with.
 */
import { Transport } from '../../runtime/transport.js';
import { connectSubject } from '../../protocol/control/subjects.js';
import type { Results, SessionOpened, StatementResult } from '../../protocol/control/response.js';
import { SqlError } from '../../protocol/control/errors.js';
import type { Row } from '../../protocol/types.js';
import { setupNats, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';

export const CLIENT_USER = { user: 'client', pass: 'client-secret' };

export interface SqlClient {
  transport: Transport;
  session: SessionOpened;
  sql(text: string): Promise<StatementResult[]>;
  /** The rows of the last statement of `text`. */
  rows(text: string): Promise<Row[]>;
  sqlError(text: string): Promise<SqlError>;
  close(): Promise<void>;
}

export async function connectClient(
  nats: TestNats,
  region: string,
  settings: Record<string, string> = {},
  user: { user: string; pass: string } = CLIENT_USER,
): Promise<SqlClient> {
  const transport = await Transport.connect({ servers: nats.url, name: 'test-client', ...user, timeoutMs: 120_000 });
  const session = await openSession(transport, region, settings);
  const c: SqlClient = {
    transport,
    session,
    async sql(text) {
      return (await transport.request<Results>(c.session.subject, { type: 'Execute', sql: text }, { timeoutMs: 120_000 })).results;
    },
    async rows(text) {
      const r = await c.sql(text);
      return r[r.length - 1]?.rows ?? [];
    },
    async sqlError(text) {
      try {
        await c.sql(text);
      } catch (err) {
        if (err instanceof SqlError) return err;
        throw err;
      }
      throw new Error(`expected ${text} to fail`);
    },
    async close() {
      await transport.request(c.session.subject, { type: 'CloseSession' }).catch(() => undefined);
      await transport.close();
    },
  };
  return c;
}

/** Opens a session, waiting for the coordinator (it starts with the environment process). */
export async function openSession(transport: Transport, region: string, settings: Record<string, string> = {}): Promise<SessionOpened> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await transport.request<SessionOpened>(connectSubject(region), { type: 'OpenSession', settings, client: 'test' }, { timeoutMs: 120_000 });
    } catch (err) {
      if (attempt > 600 || (err as { code?: string }).code !== 'NoResponders') throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Rows sorted for comparison regardless of order. */
export const sorted = (rows: Row[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/**
 * A real NATS server, platform and client for one test file: started in `beforeAll`, stopped in
 * `afterAll`. The returned object's fields are set once `beforeAll` has run; `b`, a second
 * session, only with `{ second: true }`.
 */
export function usePlatform(
  region: string,
  setup?: (c: SqlClient) => Promise<void>,
  opts: { second?: boolean } = {},
): { nats: TestNats; p: TestPlatform; a: SqlClient; b: SqlClient } {
  const t = {} as { nats: TestNats; p: TestPlatform; a: SqlClient; b: SqlClient };
  beforeAll(async () => {
    t.nats = await setupNats();
    t.p = await startPlatform(t.nats, region);
    t.a = await connectClient(t.nats, region);
    if (opts.second) t.b = await connectClient(t.nats, region);
    await setup?.(t.a);
  });
  afterAll(async () => {
    await t.a?.close();
    await t.b?.close();
    await t.p?.cleanup();
    await t.nats?.cleanup();
  });
  return t;
}
