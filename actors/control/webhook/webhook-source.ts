/**
 * CREATE SOURCE s FROM WEBHOOK BODY FORMAT JSON | TEXT [INCLUDE HEADERS] (issue #19, as in
 * Materialize): a source whose rows arrive as HTTP POSTs to the webhook front end (server.ts).
 * Its collection is a table sealed by the transaction log (like CREATE TABLE's), written only
 * through group commit, so each accepted request is durable and visible, at one timestamp,
 * before it is answered. Columns: `body` (FORMAT JSON: jsonb, protocol/jsonb.ts; TEXT: text), and with
 * INCLUDE HEADERS `headers` (text: a JSON object of the request's headers, names lower-case).
 */
import type { Extension } from '../sql/index.js';
import type { Column } from '../../../protocol/types.js';
import type { ControlDeps } from '../deps.js';
import { item, taken, waitForCollection, whenAvailable } from '../ddl.js';

export type WebhookSourceExt = Extract<Extension, { kind: 'create_webhook_source' }>;

export function webhookColumns(headers: boolean, format: 'json' | 'text'): Column[] {
  // FORMAT JSON's body is jsonb, as in Materialize (sources created before jsonb existed keep text: server.ts).
  const columns: Column[] = [{ name: 'body', type: format === 'json' ? 'jsonb' : 'text', nullable: false }];
  if (headers) columns.push({ name: 'headers', type: 'text', nullable: false });
  return columns;
}

export async function createWebhookSource(deps: ControlDeps, ext: WebhookSourceExt, sql: string): Promise<string> {
  if (taken(deps, 'source', ext.name, ext.ifNotExists)) return `source "${ext.name}" already exists, skipping`;
  const columns = webhookColumns(ext.headers, ext.format);
  const id = await deps.catalog.allocateId();
  await whenAvailable(() => deps.storage.createSource(id, { kind: 'table', schema: columns, txns: true }));
  await waitForCollection(deps, id);
  await deps.catalog.create(item({ id, name: ext.name, kind: 'source', columns, sql, collection: id, source: { kind: 'webhook', format: ext.format, headers: ext.headers } }));
  return '';
}
