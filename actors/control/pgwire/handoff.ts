/**
 * Where the environment process's pgwire listener sends accepted sockets when sessions run in
 * front-end processes (DFN_FRONTENDS, cli/env.ts): a handoff set before the pgwire actor starts.
 * It passes each socket, still paused and unread, to one front-end process over its IPC channel
 * (`child.send('socket', socket)`), round-robin over the ones connected; false when none is
 * (the listener then refuses the connection with 57P03). Without a handoff (the default) the
 * listener's own PgConnections serve every socket, in-process.
 */
import type { Socket } from 'node:net';

export type SocketHandoff = (socket: Socket) => boolean;

let handoff: SocketHandoff | undefined;

export function setSocketHandoff(h: SocketHandoff | undefined): void {
  handoff = h;
}

export function socketHandoff(): SocketHandoff | undefined {
  return handoff;
}

/** The IPC message that carries a socket to a front-end process. */
export const SOCKET_MESSAGE = 'pgwire-socket';
