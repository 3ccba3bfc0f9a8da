// An ioredis client that sends the commands issued in one turn of the event loop in one write.
//
// Why not ioredis's own auto-pipelining, which batches the same way: it keeps one pipeline in
// flight per connection, and a command issued while one is out waits for all of that pipeline's
// replies before it is even sent. Under load (100 creates in flight, Redis on a busy core) commands
// and the calls awaiting them then sat in the heap for an extra round trip: ioredis's command
// objects were most of what outlived a young-generation collection (bench/RESULTS.md, phase 11),
// and the collector's time per create fell by a third with auto-pipelining off. Plain ioredis
// writes each command at once, one system call each. Corking the socket at a turn's first command
// and uncorking it once the turn's I/O callbacks have run (setImmediate, as auto-pipelining defers
// its flush) gives one write per turn without holding anything back: commands go out while
// earlier replies are still on their way. Replies are read as before, in order.
import { Redis, type Command } from 'ioredis';
import type { WriteableStream } from 'ioredis/built/types';

export class TurnBatchedRedis extends Redis {
  #corked = false;

  override sendCommand(command: Command, stream?: WriteableStream): unknown {
    const socket = this.stream;
    // Only the connection's own commands once it is ready: handshake commands and explicit
    // pipelines (which pass `stream`) are written as ioredis writes them.
    if (!this.#corked && stream === undefined && this.status === 'ready' && socket?.writable) {
      this.#corked = true;
      socket.cork();
      // The socket corked is the one uncorked, even if a reconnect has replaced `this.stream` since.
      setImmediate(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    return super.sendCommand(command, stream);
  }
}
