// authors-cli authors create <name>: creates an author (authors.create) and prints it.
import { usageError } from '../errors';
import { parseCommand, signedInClient, type Command } from '../context';

export const authorsCreate: Command = {
  words: ['authors', 'create'],
  synopsis: '<name>',
  summary: 'create an author (quote a name with spaces)',
  options: {},
  async run(argv, cli) {
    const { args } = parseCommand(argv, authorsCreate);
    const [name, ...extra] = args;
    if (name === undefined || extra.length) throw usageError('usage: authors-cli authors create <name> (quote a name with spaces)');
    const author = await signedInClient(cli).authors.create.mutate({ name });
    if (cli.json) cli.print(JSON.stringify(author));
    else cli.print(`Created author ${author.id}: ${author.name}`);
  },
};
