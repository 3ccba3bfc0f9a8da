// The Python legacy client (client/python) against a real server, on Debian's interpreter and its
// python3-websockets: example.py uses every pkg_id and exits 0; the client's unittest suite covers
// both auth styles, refused tokens, a malformed frame, error answers, req_id matching, broadcasts,
// reconnecting, and its types against the live AsyncAPI and OpenAPI documents.
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server';

const run = promisify(execFile);
const CLIENT_DIR = fileURLToPath(new URL('../client/python', import.meta.url));
/** Debian's interpreter, where python3-websockets is installed (a PATH `python3` may be another one). */
const PYTHON = '/usr/bin/python3';

function pythonWebsocketsAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import websockets'], { stdio: 'ignore' });
    return true;
  } catch {
    const message = `${PYTHON} with websockets is missing (apt-get install -y python3-websockets): the Python client tests are skipped`;
    if (process.env.REQUIRE_SERVICES === '1') throw new Error(message);
    console.warn(`[tests] ${message}`);
    return false;
  }
}

describe.skipIf(!pythonWebsocketsAvailable())('the Python legacy client', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite', env: { WS_MAX_CONNECTIONS_PER_USER: '20' } });
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it('example.py logs in, uses every pkg_id, sees its own changes broadcast, and exits 0', async () => {
    const { stdout } = await run(PYTHON, ['example.py', '--base', server.url, '--username', 'writer', '--password', 'writer'], {
      cwd: CLIENT_DIR,
    });
    const lines = stdout.trim().split('\n').map((line) => line.replace(/Example Author \d+/g, 'Example Author N'));
    expect(lines).toEqual([
      'logged in as writer over REST (token expires in 300 s)',
      'connected to /web',
      "pkg_id 3 CREATE_AUTHOR: #1 'Example Author N'",
      "pkg_id 1 GET_AUTHORS name='Example Author N': 1 author",
      'pkg_id 2 GET_PAGINATED_AUTHORS: page 1 of 1, total 1',
      "pkg_id 4 UPDATE_AUTHOR: #1 'Example Author N (renamed)'",
      'pkg_id 5 DELETE_AUTHOR: #1',
      'pkg_id 5 DELETE_AUTHOR again: status 1 NOT_FOUND (Author 1 not found (status 1, NOT_FOUND))',
      'broadcasts received: created #1, updated #1, deleted #1',
      'done',
    ]);
  });

  it('example.py exits 1 when the server refuses it', async () => {
    const failed = await run(PYTHON, ['example.py', '--base', server.url, '--username', 'writer', '--password', 'wrong'], {
      cwd: CLIENT_DIR,
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect([failed?.code, failed?.stderr.trim()]).toEqual([1, 'error: LoginError: login failed (401): Invalid user credentials']);
  });

  it('passes its unittest suite against the server', async () => {
    const { stderr } = await run(PYTHON, ['-m', 'unittest', 'discover', '-s', 'tests', '-v'], {
      cwd: CLIENT_DIR,
      env: { PATH: process.env.PATH, AUTHORS_URL: server.url },
    });
    const started = [...stderr.matchAll(/^(test_\w+) \(/gm)].map((match) => match[1]);
    expect(started, stderr).toEqual([
      'test_a_bad_token_is_refused_with_4001_both_ways',
      'test_auth_frame',
      'test_token_in_the_query',
      'test_author_events_and_admin_broadcasts_reach_the_callback',
      'test_a_malformed_frame_gets_status_2_and_the_connection_stays_open',
      'test_concurrent_requests_are_matched_by_req_id',
      'test_error_answers',
      'test_reconnects_after_the_server_closes_the_connection',
      'test_against_asyncapi_and_openapi',
    ]);
    // unittest exits non-zero on any failure (run() would reject); this says all nine passed.
    expect(stderr).toMatch(/\nRan 9 tests in [\d.]+s\n\nOK\n$/);
  });
});
