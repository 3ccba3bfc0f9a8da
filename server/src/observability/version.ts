// The server package's version, reported as app_info{version}.
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export const SERVER_VERSION = manifest.version;
