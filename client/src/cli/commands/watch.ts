// authors-cli watch: prints author events and broadcasts as they happen, until interrupted
// (Ctrl-C). Lines go to stdout (one JSON object per line with --json); connection notices to stderr.
import { watchLiveEvents, type LiveEvent } from '../../live-events';
import { usageError } from '../errors';
import { parseCommand, signedInClient, type Command } from '../context';

function describe(event: LiveEvent): string {
  if (event.type === 'broadcast') return `broadcast from ${event.from}: ${event.message}`;
  return `${event.type} author ${event.author.id}: ${event.author.name}`;
}

export const watch: Command = {
  words: ['watch'],
  synopsis: '',
  summary: 'print author events and broadcasts as they happen, until interrupted',
  options: {},
  async run(argv, cli) {
    const { args } = parseCommand(argv, watch);
    if (args.length) throw usageError('usage: authors-cli watch');
    const client = signedInClient(cli);
    await new Promise<void>((resolve, reject) => {
      const feed = watchLiveEvents(client, {
        onEvent: (event) => cli.print(cli.json ? JSON.stringify(event) : describe(event)),
        onState: (state, error) => {
          if (state === 'live') cli.note(`Watching ${cli.url} for author events and broadcasts (Ctrl-C to stop)`);
          else if (error) cli.note(`Connection lost (${error.message}); reconnecting…`);
        },
        onError: (error) => {
          stop();
          reject(error);
        },
      });
      const stop = () => {
        process.off('SIGINT', stop).off('SIGTERM', stop);
        feed.stop();
        resolve();
      };
      process.once('SIGINT', stop).once('SIGTERM', stop);
    });
  },
};
