/**
 * CREATE SINK name FROM obj INTO JETSTREAM STREAM 'x' [SUBJECT 's'] [KEY (cols)] FORMAT JSON |
 * MSGPACK ENVELOPE UPSERT | DEBEZIUM (issue #19, Materialize's sinks with JetStream for Kafka):
 * the changes of a table, source or materialized view published to a JetStream subject, exactly
 * once, by a STORAGE sink actor (actors/storage/sinks/; docs/sinks.md). The sink starts at the
 * object's latest readable time with its contents as a snapshot, then every change. The subject
 * defaults to the stream's name; the stream is created when it does not exist.
 */
import type { Extension } from './sql/index.js';
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import type { ControlDeps } from './deps.js';
import type { StatementResult } from '../../protocol/control/response.js';
import type { Row } from '../../protocol/types.js';
import { item, taken, whenAvailable } from './ddl.js';

export type SinkExt = Extract<Extension, { kind: 'create_jetstream_sink' }>;

export async function createSink(deps: ControlDeps, ext: SinkExt, sql: string): Promise<string> {
  if (taken(deps, 'sink', ext.name, ext.ifNotExists)) return `sink "${ext.name}" already exists, skipping`;
  const from = deps.catalog.resolve(ext.from);
  if (!from.collection) {
    throw new SqlError(SqlState.FeatureNotSupported, `cannot sink ${from.kind === 'view' ? 'a view' : `${from.kind} "${from.name}"`}: only tables, sources and materialized views have changes to publish`, {
      hint: from.kind === 'view' ? 'CREATE MATERIALIZED VIEW over it and sink that.' : undefined,
    });
  }
  for (const k of ext.key ?? []) {
    if (!from.columns.some((c) => c.name === k)) throw new SqlError(SqlState.UndefinedColumn, `key column "${k}" is not a column of "${from.name}"`);
  }
  const subject = ext.subject ?? ext.stream;
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(subject) || subject.length > 256) {
    throw new SqlError(SqlState.InvalidParameterValue, `SUBJECT '${subject}' must be a literal NATS subject (tokens of letters, digits, _ and -, no wildcards)`);
  }
  if (/^(dfn|_INBOX)(\.|$)/i.test(subject)) throw new SqlError(SqlState.InsufficientPrivilege, `subject '${subject}' is reserved for definite and NATS`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(ext.stream)) throw new SqlError(SqlState.InvalidParameterValue, `STREAM '${ext.stream}' is not a JetStream stream name`);
  const collection = await deps.storage.describe(from.collection, 30_000);
  const asOf = Math.max(collection.since, collection.upper - 1);
  const id = await deps.catalog.allocateId();
  await whenAvailable(() =>
    deps.storage.createSink(id, {
      kind: 'jetstream', from: from.collection!, schema: collection.schema, ...(from.kind === 'materialized_view' ? { errors: true } : {}),
      stream: ext.stream, subject, format: ext.format, envelope: ext.envelope, ...(ext.key ? { key: ext.key } : {}), asOf,
    }),
  );
  await deps.catalog.create(item({ id, name: ext.name, kind: 'sink', columns: [], sql, dependsOn: [from.id], source: { kind: 'jetstream_sink', stream: ext.stream, subject } }));
  return '';
}

/**
 * SHOW SINK STATUSES (Materialize's mz_internal.mz_sink_statuses): each sink's status and stall
 * reason, where it publishes, and its progress, asked of the sink actor itself.
 */
export async function showSinkStatuses(deps: ControlDeps): Promise<StatementResult> {
  const sinks = deps.catalog.all().filter((i) => i.kind === 'sink');
  const rows = await Promise.all(
    sinks.map(async (s): Promise<Row> => {
      const where = [String(s.source?.['stream'] ?? ''), String(s.source?.['subject'] ?? '')];
      try {
        const d = await deps.storage.describeSink(s.id);
        return [s.name, 'jetstream', d.status, d.reason ?? null, ...where, d.published, d.upper];
      } catch (err) {
        return [s.name, 'jetstream', 'unknown', (err as Error).message, ...where, null, null];
      }
    }),
  );
  rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const text = (name: string) => ({ name, type: 'text' as const });
  return {
    tag: `SELECT ${rows.length}`,
    columns: [text('name'), text('type'), text('status'), text('error'), text('stream'), text('subject'), { name: 'messages_published', type: 'bigint' }, { name: 'upper', type: 'bigint' }],
    rows,
  };
}
