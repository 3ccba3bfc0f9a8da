// Parses the AsyncAPI document on stdin with AsyncAPI's own parser and prints its diagnostics as
// JSON. A separate Node process: vitest's export conditions make the parser's dependencies load
// their broken ESM builds.
import { Parser } from '@asyncapi/parser';
import { text } from 'node:stream/consumers';

const { document, diagnostics } = await new Parser().parse(await text(process.stdin));
process.stdout.write(
  JSON.stringify({
    parsed: document !== undefined,
    diagnostics: diagnostics.map(({ severity, code, message, path }) => ({ severity, code, message, path })),
  }),
);
