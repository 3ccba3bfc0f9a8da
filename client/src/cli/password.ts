// The password for `authors-cli login`: typed at a hidden prompt in a terminal, or the first line of
// stdin when piped (`echo "$PASS" | authors-cli login writer`), so it never appears in argv or `ps`.
import { CliError } from './errors';

async function firstLineOfStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/, 1)[0] ?? '';
}

function hiddenPrompt(prompt: string): Promise<string> {
  const { stdin, stderr } = process;
  stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (outcome: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      outcome();
    };
    const onData = (input: string) => {
      for (const char of input) {
        if (char === '\r' || char === '\n') return finish(() => resolve(typed));
        if (char === '\u0003') return finish(() => reject(new CliError('login cancelled')));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.on('data', onData);
  });
}

export async function readPassword(): Promise<string> {
  const password = process.stdin.isTTY ? await hiddenPrompt('Password: ') : await firstLineOfStdin();
  if (!password) throw new CliError('no password given (type it at the prompt or pipe it on stdin)');
  return password;
}
