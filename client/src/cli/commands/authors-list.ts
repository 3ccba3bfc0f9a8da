// authors-cli authors list [--name <text>] [--page <n>] [--per-page <n>]: one page of authors
// (authors.paginated), as a table or, with --json, the page as the server returns it.
import type { Author } from '@authors/shared';
import { usageError } from '../errors';
import { parseCommand, signedInClient, type Command } from '../context';
import { formatTable, formatTimestamp } from '../table';

const options = {
  name: { type: 'string' },
  page: { type: 'string' },
  'per-page': { type: 'string' },
} as const;

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(value)) throw usageError(`--${flag} must be a positive integer, got "${value}"`);
  return Number(value);
}

export const authorsList: Command & { options: typeof options } = {
  words: ['authors', 'list'],
  synopsis: '[--name <text>] [--page <n>] [--per-page <n>]',
  summary: 'list authors, optionally filtered by a name substring, one page at a time',
  options,
  async run(argv, cli) {
    const { values, args } = parseCommand(argv, authorsList);
    if (args.length) throw usageError(`unexpected argument "${args[0]}" (filter with --name)`);
    const page = positiveInteger('page', values.page);
    const perPage = positiveInteger('per-page', values['per-page']);
    const result = await signedInClient(cli).authors.paginated.query({
      ...(page ? { page } : {}),
      ...(perPage ? { per_page: perPage } : {}),
      ...(values.name ? { filters: { name: values.name } } : {}),
    });
    if (cli.json) return cli.print(JSON.stringify(result));

    const { meta } = result;
    if (!result.items.length) return cli.print(meta.total ? `No authors on page ${meta.page} of ${meta.pages}.` : 'No authors found.');
    cli.print(
      formatTable<Author>(result.items, [
        { header: 'ID', value: (author) => String(author.id), align: 'right' },
        { header: 'NAME', value: (author) => author.name },
        { header: 'CREATED (UTC)', value: (author) => formatTimestamp(author.created_at) },
      ]),
    );
    cli.print(`Page ${meta.page} of ${meta.pages} (${meta.total} ${meta.total === 1 ? 'author' : 'authors'})`);
  },
};
