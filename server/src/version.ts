// The server's version, from server/package.json (read at run time: it lies outside src/).
import { createRequire } from 'node:module';

export const SERVER_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
