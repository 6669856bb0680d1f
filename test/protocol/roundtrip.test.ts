/**
 * Every protocol message round-trips: for each message schema exported anywhere under protocol/
 * (an object schema with a literal `type`), a valid example is encoded with the wire codec,
 * decoded, validated by a compiled MessageSet and compared. Examples come from TypeBox's
 * Value.Create, overridden in EXAMPLES (or a protocol module's exported MESSAGE_EXAMPLES) where a
 * schema needs specific values (patterns, minimums).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { Kind, type TSchema } from '@sinclair/typebox';
import { encode, decode } from '../../protocol/codec.js';
import { MessageSet, decodeMessage } from '../../protocol/message.js';
import { PROJECT_ROOT } from '../../runtime/nats-server.js';

/** Examples for messages whose defaults are not valid (e.g. pattern-constrained ids). */
const EXAMPLES: Record<string, unknown> = {
  StartActor: { type: 'StartActor', actor: { kind: 'counter', id: 'c1', config: { a: 1 }, restart: 'transient' } },
  StopActor: { type: 'StopActor', id: 'c1' },
  RestartActor: { type: 'RestartActor', id: 'c1' },
  KillActor: { type: 'KillActor', id: 'c1' },
  StartHost: { type: 'StartHost', hostId: 'h1', actors: [{ kind: 'counter', id: 'c1' }] },
  StopHost: { type: 'StopHost', hostId: 'h1' },
  KillHost: { type: 'KillHost', hostId: 'h1' },
  HostList: {
    type: 'HostList',
    hosts: [{ hostId: 'h1', pid: 42, incarnation: 'x', startedAt: 1, restarts: 0, state: 'running', adopted: true }],
  },
};

function protocolFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return protocolFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

function isMessageSchema(v: unknown): v is TSchema & { properties: { type: { const: string } } } {
  const s = v as { [Kind]?: string; properties?: { type?: { const?: unknown } } };
  return !!s && typeof s === 'object' && s[Kind] === 'Object' && typeof s.properties?.type?.const === 'string';
}

test('every protocol message round-trips through the codec and its compiled validator', async () => {
  const seen = new Map<string, string>();
  const modules: Array<[string, Record<string, unknown>]> = [];
  for (const file of protocolFiles(join(PROJECT_ROOT, 'protocol'))) modules.push([file, (await import(file)) as Record<string, unknown>]);
  // A layer may export MESSAGE_EXAMPLES (type -> example) for schemas whose defaults are not valid.
  const examples: Record<string, unknown> = { ...EXAMPLES };
  for (const [, mod] of modules) Object.assign(examples, (mod['MESSAGE_EXAMPLES'] as Record<string, unknown> | undefined) ?? {});
  for (const [file, mod] of modules) {
    for (const value of Object.values(mod)) {
      if (!isMessageSchema(value)) continue;
      const type = value.properties.type.const;
      if (seen.has(`${type}@${relative(PROJECT_ROOT, file)}`)) continue;
      seen.set(`${type}@${relative(PROJECT_ROOT, file)}`, type);
      // The module's own example first; another layer's message of the same name only if it fits.
      const own = (mod['MESSAGE_EXAMPLES'] as Record<string, unknown> | undefined)?.[type];
      const other = examples[type];
      const example = own ?? (other !== undefined && Value.Check(value, other) ? other : Value.Create(value));
      const set = new MessageSet([value as never]);
      expect({ type, valid: Value.Check(value, example) }).toEqual({ type, valid: true });
      const bytes = encode(example);
      expect(decode(bytes)).toEqual(example);
      expect(decodeMessage(set, bytes, { maxPayload: 1 << 20, headerType: type })).toEqual(example);
    }
  }
  // The runtime's own messages are all found (a guard against the walk silently finding nothing).
  const types = new Set(seen.values());
  for (const t of ['StartActor', 'Heartbeat', 'LifecycleEvent', 'Tree', 'StartHost', 'Increment', 'Ok']) expect(types).toContain(t);
});

test('an error reply round-trips into its typed class', async () => {
  const { DefiniteError, NotFoundError } = await import('../../protocol/errors.js');
  const e = new NotFoundError('no such thing', { details: { name: 'x' } });
  const back = DefiniteError.fromMessage(decode(encode(e.toBody())) as never);
  expect(back).toBeInstanceOf(NotFoundError);
  expect(back).toMatchObject({ code: 'NotFound', message: 'no such thing', details: { name: 'x' }, determinacy: 'definite' });
});

test('a Fenced error (a superseded copy of a shard) round-trips into its typed class', async () => {
  const { DefiniteError } = await import('../../protocol/errors.js');
  const { FencedError } = await import('../../protocol/storage/errors.js');
  const e = new FencedError('shard c: another process wrote its state', { details: { revision: 7 } });
  const back = DefiniteError.fromMessage(decode(encode(e.toBody())) as never);
  expect(back).toBeInstanceOf(FencedError);
  expect(back).toMatchObject({ code: 'Fenced', details: { revision: 7 } });
});
