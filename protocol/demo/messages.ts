/**
 * The demo counter actor's messages (`dfn.<region>.sys.counter.<id>`): a durable counter used by
 * the runtime's tests, the benchmark and the README's first example. `Crash` makes the actor throw
 * (a real crash, restarted by its supervisor); `Echo` returns its payload (request/reply bench).
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../message.js';

export const Increment = defineMessage('Increment', { by: Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 }) });
export const GetCount = defineMessage('GetCount', {});
export const Crash = defineMessage('Crash', { reason: Type.String({ maxLength: 200 }) });
export const Echo = defineMessage('Echo', { payload: Type.Unknown() });
export const COUNTER_COMMANDS = [Increment, GetCount, Crash, Echo] as const;
export type CounterCommand = Static<(typeof COUNTER_COMMANDS)[number]>;

export const Count = defineMessage('Count', { value: Type.Integer(), incarnation: Type.Integer() });
export type Count = Static<typeof Count>;
export const Echoed = defineMessage('Echoed', { payload: Type.Unknown() });
export const COUNTER_REPLIES = [Count, Echoed] as const;
export type CounterReply = Static<(typeof COUNTER_REPLIES)[number]>;
