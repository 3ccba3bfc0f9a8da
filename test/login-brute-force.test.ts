// Login brute force from many addresses: besides LOGIN_RATE_LIMIT per IP + username, failed logins
// of one username from any IP are limited (LOGIN_ACCOUNT_RATE_LIMIT, 30 by default, per
// LOGIN_ACCOUNT_WINDOW_SECONDS, shortened here). Past it every attempt for that username is 429,
// from every address, without its password being checked; other accounts are unaffected; and the
// lockout ends by itself once the failures leave the window.
//
// The account under attack has a cheap password hash (scrypt with N = 2^4, which the self-describing
// hash format allows), so the test measures the limiter, not the CPU cost of 60 password checks.
import { randomBytes, scryptSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createUsersRepository } from '../server/src/db/users-repository';
import { startTestServer, type TestServer } from './helpers/server';
import { hasPostgres } from './helpers/services';

const IPS = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6'];
const WINDOW_SECONDS = 4;

function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=4,r=8,p=1$${b64(salt)}$${b64(scryptSync(password, salt, 32, { N: 16, r: 8, p: 1 }))}`;
}

describe.skipIf(!hasPostgres)('login brute force across IPs', () => {
  let server: TestServer;
  const login = (ip: string, username: string, password: string) =>
    fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify({ username, password }),
    });

  beforeAll(async () => {
    server = await startTestServer({
      driver: 'postgres',
      env: {
        RATE_LIMIT_ENABLED: 'true',
        TRUSTED_PROXIES: '127.0.0.1',
        RATE_LIMIT_PER_MINUTE: '1000',
        LOGIN_ACCOUNT_WINDOW_SECONDS: String(WINDOW_SECONDS),
      },
    });
    const users = createUsersRepository(server.app.database.db);
    for (const username of ['target', 'bystander']) await users.create({ username, passwordHash: cheapHash(username), roles: [] });
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it('6 IPs × 10 wrong passwords: 30 failures, then 429 from every IP, until the window has passed', async () => {
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(IPS.map((ip) => login(ip, 'target', `guess-${round}`)));
      statuses.push(...answers.map((answer) => answer.status));
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(30);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30);

    const locked = await login('198.51.100.7', ' Target', 'target'); // the right password, a new address
    expect(locked.status).toBe(429);
    expect(await locked.json()).toEqual({ detail: 'Rate limit exceeded. Please try again later.' });
    expect(Number(locked.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(Number(locked.headers.get('Retry-After'))).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect((await login(IPS[0]!, 'bystander', 'bystander')).status).toBe(200); // another account

    // From an address with attempts left (LOGIN_RATE_LIMIT is 10 per IP and username per minute).
    await vi.waitFor(async () => expect((await login('198.51.100.8', 'target', 'target')).status).toBe(200), {
      timeout: (WINDOW_SECONDS + 5) * 1000,
      interval: 500,
    });
  });
});
