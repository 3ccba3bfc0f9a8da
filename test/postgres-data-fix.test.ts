// The production bundle's postgres.js message loop (server/src/db/postgres-data-fix.ts) against the
// package's own: both cut the same byte streams, read in random pieces, into the same messages, in
// the same order, and leave the same state for the next read.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIXED_LOOP, fixPostgresData, ORIGINAL_LOOP } from '../server/src/db/postgres-data-fix';

/** The file the bundle reads (the server's `postgres` resolves to the workspace root's node_modules). */
const connectionFile = fileURLToPath(new URL('../node_modules/postgres/src/connection.js', import.meta.url));
const shipped = readFileSync(connectionFile, 'utf8');

interface Loop {
  data(chunk: Buffer): void;
  state(): { incoming: string; incomings: number | null; remaining: number };
}

/** connection.js's `data` function, run with the closure state it uses and a recording `handle`. */
function loopOf(source: string, handled: string[]): Loop {
  const start = source.indexOf('  function data(x) {');
  const text = source.slice(start, source.indexOf('\n  }\n', start) + 4);
  const make = new Function(
    'handle',
    'errored',
    `let incoming = Buffer.alloc(0), incomings = null, remaining = 0, length = 0
     const query = null, write = () => {}, Sync = null
     ${text}
     return { data, state: () => ({ incoming: incoming.toString('hex'), incomings: incomings && incomings.length, remaining }) }`,
  ) as (handle: (message: Buffer) => void, errored: (error: unknown) => void) => Loop;
  return make(
    (message) => {
      handled.push(message.toString('hex'));
      // A handler that throws (a malformed message) must not change what comes next.
      if (message[0] === 0x45) throw new Error('handler failed');
    },
    (error) => handled.push(`errored: ${String(error)}`),
  );
}

let seed = 11;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const integer = (max: number) => Math.floor(random() * max);

/** Protocol messages: a type byte, a 4-byte length counting itself, the body; some far larger than a read. */
function messages(count: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const body = Buffer.alloc(random() < 0.05 ? 20_000 + integer(80_000) : integer(300), integer(256));
    const header = Buffer.alloc(5);
    header[0] = [0x44, 0x43, 0x5a, 0x45, 0x54][integer(5)]!;
    header.writeUInt32BE(body.length + 4, 1);
    parts.push(header, body);
  }
  return Buffer.concat(parts);
}

/** The stream in random pieces: single bytes, pieces ending inside a header, whole runs of messages. */
function pieces(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < stream.length; ) {
    const size = [1, 3, 5, 64, 1_000, 65_536][integer(6)]! + integer(7);
    out.push(stream.subarray(at, at + size));
    at += size;
  }
  return out;
}

describe('postgres.js message loop fix', () => {
  it('replaces exactly the loop the installed postgres ships, and refuses any other', () => {
    expect(shipped.split(ORIGINAL_LOOP)).toHaveLength(2);
    expect(fixPostgresData(shipped, connectionFile)).toBe(shipped.replace(ORIGINAL_LOOP, FIXED_LOOP));
    expect(() => fixPostgresData(shipped.replace('handle(incoming.subarray(0, length + 1))', 'handle(incoming)'), 'connection.js')).toThrow(/review/);
  });

  it('cuts the same messages as the original from the same reads, and leaves the same state after each', () => {
    const fixed = fixPostgresData(shipped, connectionFile);
    for (let run = 0; run < 200; run++) {
      const reads = pieces(messages(1 + integer(150)));
      const handledBefore: string[] = [];
      const handledAfter: string[] = [];
      const [original, patched] = [loopOf(shipped, handledBefore), loopOf(fixed, handledAfter)];
      for (const read of reads) {
        original.data(read);
        patched.data(read);
        expect(patched.state()).toEqual(original.state());
      }
      expect(handledAfter).toEqual(handledBefore);
      expect(handledBefore.length).toBeGreaterThan(0);
    }
  });
});
