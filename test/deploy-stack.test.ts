// The compose stack's files agree with each other and with the code: docker-compose validates the
// file (no engine needed for `config`), the Keycloak realm carries DESIGN §4's roles and §5's
// development users, nginx passes WebSocket upgrades to both instances, Prometheus scrapes both.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ROLES } from '@authors/shared';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEV_USERS } from '../server/src/auth/dev-users';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}/${path}`, 'utf8');
const run = promisify(execFile);

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  volumes?: string[];
  command?: string[];
  networks?: Record<string, { ipv4_address?: string } | null>;
  depends_on?: Record<string, { condition: string }>;
}

/** `docker-compose config`: validated, anchors and defaults resolved; undefined when the binary is absent. */
async function composeConfig(): Promise<{ services: Record<string, ComposeService> } | undefined> {
  try {
    const { stdout } = await run('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: ROOT });
    return parse(stdout);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (process.env.REQUIRE_SERVICES === '1') throw new Error('docker-compose is required (REQUIRE_SERVICES=1) but missing');
    console.warn('[tests] docker-compose is not installed (apt-get install docker-compose): compose validation skipped');
    return undefined;
  }
}

const APP_INSTANCES = ['app1', 'app2'];

describe('compose stack', () => {
  it('validates with docker-compose and wires two OIDC instances behind nginx', async (context) => {
    const config = await composeConfig();
    if (!config) return context.skip();
    const { services } = config;
    expect(Object.keys(services).sort()).toEqual(['app1', 'app2', 'keycloak', 'nginx', 'postgres', 'prometheus', 'redis']);

    const nginxAddress = services.nginx?.networks?.backend?.ipv4_address;
    expect(nginxAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    for (const name of APP_INSTANCES) {
      const app = services[name]!;
      expect(app.build).toBeDefined();
      expect(app.environment).toMatchObject({
        NODE_ENV: 'production',
        PORT: '8000',
        DATABASE_URL: 'postgres://postgres:postgres@postgres:5432/authors',
        REDIS_URL: 'redis://redis:6379',
        OIDC_ISSUER_URL: 'http://keycloak:8080/realms/authors',
        OIDC_CLIENT_ID: 'authors-app',
        TRUSTED_PROXIES: nginxAddress,
      });
      expect(app.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        keycloak: { condition: 'service_healthy' },
      });
    }
    expect(services.keycloak?.command).toEqual(['start-dev', '--import-realm']);
    expect(services.keycloak?.volumes).toContainEqual(expect.stringMatching(/deploy\/keycloak:\/opt\/keycloak\/data\/import:ro$/));
    expect(services.nginx?.volumes).toContainEqual(expect.stringMatching(/deploy\/nginx\.conf:\/etc\/nginx\/conf\.d\/default\.conf:ro$/));
    expect(services.prometheus?.volumes).toContainEqual(
      expect.stringMatching(/deploy\/prometheus\.yml:\/etc\/prometheus\/prometheus\.yml:ro$/),
    );
  });

  it('imports a realm with the public client, the roles as client roles and the development users', () => {
    const realm = JSON.parse(read('deploy/keycloak/authors-realm.json'));
    expect(realm).toMatchObject({ realm: 'authors', enabled: true });
    expect(realm.clients).toEqual([
      expect.objectContaining({ clientId: 'authors-app', publicClient: true, directAccessGrantsEnabled: true, enabled: true }),
    ]);
    expect(realm.roles.client['authors-app'].map((role: { name: string }) => role.name)).toEqual([...ROLES]);
    const users = realm.users.map((user: { username: string; credentials: unknown[]; clientRoles: Record<string, string[]> }) => ({
      username: user.username,
      credentials: user.credentials,
      roles: user.clientRoles['authors-app'] ?? [],
    }));
    expect(users).toEqual(
      DEV_USERS.map(({ username, roles }) => ({
        username,
        credentials: [{ type: 'password', value: username, temporary: false }],
        roles: [...roles],
      })),
    );
  });

  it('proxies /trpc and /web WebSocket upgrades to both instances', () => {
    const nginx = read('deploy/nginx.conf');
    const upstream = /upstream authors_app \{([^}]*)\}/.exec(nginx)?.[1] ?? '';
    expect([...upstream.matchAll(/server (\S+)/g)].map((match) => match[1])).toEqual(APP_INSTANCES.map((name) => `${name}:8000`));
    expect(nginx).toContain('proxy_http_version 1.1;');
    expect(nginx).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(nginx).toContain('proxy_set_header Connection $connection_upgrade;');
    // The WebSocket location's pattern, tried as the regular expression nginx will apply.
    const pattern = /location ~ (\S+) \{/.exec(nginx)?.[1];
    const wsLocation = new RegExp(pattern ?? '(?!)');
    expect(['/trpc', '/trpc/authors.list', '/web'].filter((path) => wsLocation.test(path))).toHaveLength(3);
    expect(['/webhook', '/trpcx', '/authors', '/health'].filter((path) => wsLocation.test(path))).toEqual([]);
  });

  it('has Prometheus scrape each instance directly and load the alerting rules', async () => {
    const prometheus = parse(read('deploy/prometheus.yml'));
    expect(prometheus.scrape_configs).toEqual([
      { job_name: 'authors-rpc', metrics_path: '/metrics', static_configs: [{ targets: ['app1:8000', 'app2:8000'] }] },
    ]);
    expect(prometheus.rule_files).toEqual(['prometheus-rules.yml']);
    const config = await composeConfig();
    expect(config?.services.prometheus?.volumes ?? []).toContainEqual(
      expect.stringMatching(/deploy\/prometheus-rules\.yml:\/etc\/prometheus\/prometheus-rules\.yml:ro$/),
    );
  });

  it('builds the image with the production build and runs it as a non-root user', () => {
    const dockerfile = read('Dockerfile');
    const scripts = JSON.parse(read('package.json')).scripts;
    expect(scripts['start:prod']).toBe('node server/dist/main.js');
    expect(dockerfile).toContain('RUN npm ci --no-audit --no-fund\n');
    expect(dockerfile).toContain('RUN npm run build\n');
    expect(scripts.build).toMatch(/&& npm run build:web$/);
    expect(dockerfile).toContain('COPY --from=build /app/client/examples/web/dist client/examples/web/dist\n');
    expect(dockerfile).toMatch(/ENV NODE_ENV=production/);
    expect(dockerfile).toContain('\nUSER node\n');
    expect(dockerfile).toContain('CMD ["node", "server/dist/main.js"]');
  });
});
