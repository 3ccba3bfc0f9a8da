// The local production stack (deploy/local: issuer, two OIDC instances, nginx, Prometheus) for the
// test/stack-*.test.ts suites: whether it can run here, the stack started from this run's server
// bundle, and clients that go through its nginx.
import { execFileSync } from 'node:child_process';
import { createClient, type AuthorsClient } from '@authors/client';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { startStack, type Stack, type StackOptions } from '../../deploy/local/stack';
import { bundledServerArgs } from './server-bundle';
import { hasPostgres, hasRedis } from './services';

function installed(binary: string): boolean {
  try {
    execFileSync('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.REQUIRE_SERVICES === '1') throw new Error(`${binary} is required (REQUIRE_SERVICES=1) but missing`);
    console.warn(`[tests] ${binary} is not installed (apt-get install nginx prometheus): the stack suites are skipped`);
    return false;
  }
}

/** PostgreSQL, Redis, nginx, prometheus and promtool are all here. */
export const canRunStack = hasPostgres && hasRedis && ['nginx', 'prometheus', 'promtool'].every(installed);

/** The local stack, its issuer and app instances started from this run's server bundle. */
export function startTestStack(options: StackOptions = {}): Promise<Stack> {
  return startStack({ serverArgs: bundledServerArgs(), ...options });
}

/** Logs in through nginx (`POST /login`: the instance makes a password grant at the issuer). */
export async function loginThrough(stack: Stack, username: string): Promise<string> {
  const response = await fetch(`${stack.nginx}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: username }),
  });
  if (response.status !== 200) throw new Error(`login as ${username} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** The typed client (@authors/client, stock tRPC links) pointed at nginx. */
export function clientThrough(stack: Stack, token: string, subscriptions: 'ws' | 'sse' = 'ws'): AuthorsClient {
  return createClient({
    url: stack.nginx,
    token,
    subscriptions,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    EventSource: EventSource as unknown as typeof globalThis.EventSource,
  });
}

/** Prometheus's HTTP API: an instant query's result vector. */
export async function promQuery(stack: Stack, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${stack.prometheus}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`query ${query} failed: ${JSON.stringify(body)}`);
  return body.data.result;
}
