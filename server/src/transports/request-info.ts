// Per-request facts shared by every HTTP-based transport: client IP, user agent, correlation id.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestInfo, Transport } from '../trpc/context';

const CORRELATION_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The caller's correlation id when it is well-formed, otherwise a fresh UUID. */
export function correlationIdOf(req: IncomingMessage): string {
  const given = req.headers['x-correlation-id'];
  return typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
}

/**
 * The client's address. X-Forwarded-For is believed only when the TCP peer is a trusted proxy,
 * and then its right-most address not itself a trusted proxy is the client.
 */
function clientIpOf(req: IncomingMessage, trustedProxies: readonly string[]): string {
  const peer = normalizeIp(req.socket.remoteAddress ?? 'unknown');
  const forwarded = req.headers['x-forwarded-for'];
  if (!forwarded || !trustedProxies.includes(peer)) return peer;
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)
    .split(',')
    .map((hop) => normalizeIp(hop.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!trustedProxies.includes(hop)) return hop;
  }
  return hops[0] ?? peer;
}

function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/** Who is on the other end: the client's address (through trusted proxies) and user agent. */
export function clientOf(req: IncomingMessage, trustedProxies: readonly string[]): Pick<RequestInfo, 'ip' | 'userAgent'> {
  return { ip: clientIpOf(req, trustedProxies), userAgent: req.headers['user-agent'] };
}

/** Where a request's client facts are kept: on the request itself, which they live and die with. */
const FACTS = Symbol('request facts');
type Described = IncomingMessage & { [FACTS]?: Omit<RequestInfo, 'transport'> };

/**
 * Builds the RequestInfo a procedure context carries. The client facts (and so the correlation id)
 * are computed once per request, so the HTTP hygiene layer and the transport that serves the
 * request see the same id; the transport is whichever one asks. They are a property of the request
 * rather than a WeakMap entry (every live key of a WeakMap is an ephemeron each scavenge visits), and
 * copied field by field rather than spread: this runs twice per HTTP request.
 */
export function describeRequest(
  req: IncomingMessage,
  transport: Transport,
  trustedProxies: readonly string[],
): RequestInfo {
  const described = req as Described;
  const facts = (described[FACTS] ??= {
    ip: clientIpOf(req, trustedProxies),
    userAgent: req.headers['user-agent'],
    correlationId: correlationIdOf(req),
  });
  return { transport, ip: facts.ip, userAgent: facts.userAgent, correlationId: facts.correlationId };
}
