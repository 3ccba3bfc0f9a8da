// `npm run stack:up`: starts the local stack (deploy/local/stack.ts) detached, against DATABASE_URL and
// REDIS_URL when set (else a fresh database on the local PostgreSQL, and the local Redis), waits until
// everything is healthy and writes deploy/local/.stack.json for `npm run stack:down`.
import { existsSync, writeFileSync } from 'node:fs';
import { STACK_FILE, startStack } from './stack';

if (existsSync(STACK_FILE)) {
  process.stderr.write(`${STACK_FILE} exists: a stack is running (npm run stack:down stops it)\n`);
  process.exit(1);
}
const stack = await startStack({
  databaseUrl: process.env.DATABASE_URL || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
  detached: true,
});
writeFileSync(STACK_FILE, `${JSON.stringify(stack.describe(), null, 2)}\n`);
process.stdout.write(
  [
    `nginx       ${stack.nginx}`,
    `prometheus  ${stack.prometheus}`,
    `issuer      ${stack.issuer}`,
    ...stack.instances.map((instance) => `${instance.name.padEnd(11)} ${instance.url} (pid ${instance.process.pid})`),
    `logs        ${stack.dir}`,
    '',
  ].join('\n'),
);
