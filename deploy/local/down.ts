// `npm run stack:down`: stops every process deploy/local/.stack.json lists (by PID), drops the database stack:up created, and removes the file.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { isRunning } from './processes';
import { STACK_FILE, dropDatabase, stopAll, type StackDescription } from './stack';

if (!existsSync(STACK_FILE)) {
  process.stdout.write('no stack is running\n');
  process.exit(0);
}
const stack = JSON.parse(readFileSync(STACK_FILE, 'utf8')) as StackDescription;
await stopAll(stack.processes);
process.stdout.write(`stopped ${stack.processes.map(({ name, pid }) => `${name} (${pid})`).join(', ')}\n`);
const survivors = stack.processes.filter(({ pid }) => isRunning(pid));
if (survivors.length > 0) throw new Error(`still running: ${survivors.map(({ name, pid }) => `${name} ${pid}`).join(', ')}`);
if (stack.createdDatabase) await dropDatabase(stack.createdDatabase.adminUrl, stack.createdDatabase.name);
rmSync(STACK_FILE);
process.stdout.write(`logs kept in ${stack.dir}\n`);
