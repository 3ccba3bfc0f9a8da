// A text message sent as the same bytes to many sockets — an event's push, serialized once per
// event — is framed once as well: its WebSocket frame, header and payload in one buffer, is written
// straight to each socket. `ws.send` would frame it again for every socket (a header buffer, a cork,
// a writev of two chunks): about a third more CPU per send than one write of the prepared frame,
// measured over 10,000 sockets (16.9 against 12.9 µs). With the shared stream listener
// (state/follow-events.ts) this brought a delivery at 19,500 subscribers to 0.81× its CPU before
// (bench W3, same-run A/B).
//
// Safe because ws writes a message synchronously unless it compresses it, and compression
// (permessage-deflate) is never negotiated by these servers — checked per socket all the same, once
// at the upgrade, where the extensions are settled — so a frame written here keeps its place among
// the frames ws writes. The header is written here rather than taken from ws, whose framing function
// is not part of its public API: it is the fixed header of RFC 6455 §5.2 for a final, unmasked text
// frame. test/shared-frame.test.ts has a client read the bytes of `ws.send` and of this for the same
// messages and finds them identical.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';

const FIN_TEXT = 0x81;

export class SharedFrame {
  /** The whole WebSocket frame: final, text, unmasked. */
  readonly frame: Buffer;

  constructor(readonly payload: Buffer) {
    const length = payload.length;
    const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(header + length);
    frame[0] = FIN_TEXT;
    if (header === 2) frame[1] = length;
    else if (header === 4) {
      frame[1] = 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 127;
      frame.writeBigUInt64BE(BigInt(length), 2);
    }
    payload.copy(frame, header);
    this.frame = frame;
  }
}

export type OutgoingText = string | Buffer | SharedFrame;

const TEXT = { binary: false } as const;
/**
 * The socket each WebSocket of these servers was upgraded on, for those that do not compress; ws
 * keeps its own reference private.
 */
const sockets = new WeakMap<WebSocket, Duplex>();

/** Completes an upgrade on `wss` (a `noServer` one) and emits its 'connection', remembering the socket if it may be written to. */
export function acceptUpgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (ws.extensions === '') sockets.set(ws, socket);
    wss.emit('connection', ws, req);
  });
}

/** Sends a text message on an open `ws`: a shared frame by writing its bytes, when that is safe. */
export function sendText(ws: WebSocket, message: OutgoingText): void {
  if (!(message instanceof SharedFrame)) return ws.send(message, TEXT);
  const socket = sockets.get(ws);
  if (socket) socket.write(message.frame);
  else ws.send(message.payload, TEXT);
}
