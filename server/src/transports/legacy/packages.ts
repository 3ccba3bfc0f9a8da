// The pkg_id table: each legacy package is one procedure plus how its `data` becomes that
// procedure's input. `data` must first match the package's published schema
// (`legacyRequestDataSchemas` in shared/src/legacy.ts, strict objects, the same zod schemas the JSON
// Schemas are generated from): anything else is invalid data (status 2) and no procedure is called.
// RBAC, rate limiting, audit and metrics are the procedures' own, and they validate their input
// again, as on every transport. Adding a package is one entry here (and its id and schema in
// shared/src/legacy.ts); the AsyncAPI document describes each package's answer from the output
// schema of the procedure named here.
import { legacyRequestDataSchemas, PkgID, type PaginationMeta } from '@authors/shared';
import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import type { AppRouter } from '../../routers';
import { VALIDATION_MESSAGE } from '../../trpc/error-policy';
import type { FrameData } from './frames';

export type Caller = ReturnType<AppRouter['createCaller']>;

export interface PackageResult {
  data: unknown;
  meta: PaginationMeta | null;
}

type DataOf<P extends PkgID> = z.output<(typeof legacyRequestDataSchemas)[P]>;

/** One row of the table; `data` has passed the package's schema. */
interface Package<P extends PkgID> {
  /** The procedure `run` calls, by its dotted path: the documents read its schemas and roles. */
  procedure: string;
  run(caller: Caller, data: DataOf<P>): Promise<PackageResult>;
}
type Filters = NonNullable<DataOf<typeof PkgID.GET_AUTHORS>['filters']>;

/** `search` and its old name `search_term` are aliases of `name` (the substring filter). */
const authorFilters = ({ id, name, search, search_term }: Filters) => ({ id, name: name ?? search ?? search_term });

const plain = (data: unknown): PackageResult => ({ data, meta: null });

export const legacyPackages: { [P in PkgID]: Package<P> } = {
  [PkgID.GET_AUTHORS]: {
    procedure: 'authors.list',
    // Filters may sit under `filters` or at the top level (nested ones win).
    run: async (caller, { filters, ...topLevel }) => plain(await caller.authors.list(authorFilters({ ...topLevel, ...filters }))),
  },
  [PkgID.GET_PAGINATED_AUTHORS]: {
    procedure: 'authors.paginated',
    run: async (caller, { filters, ...page }) => {
      const { items, meta } = await caller.authors.paginated({ ...page, filters: filters && authorFilters(filters) });
      return { data: items, meta };
    },
  },
  [PkgID.CREATE_AUTHOR]: { procedure: 'authors.create', run: async (caller, data) => plain(await caller.authors.create(data)) },
  [PkgID.UPDATE_AUTHOR]: { procedure: 'authors.update', run: async (caller, data) => plain(await caller.authors.update(data)) },
  [PkgID.DELETE_AUTHOR]: { procedure: 'authors.delete', run: async (caller, data) => plain(await caller.authors.delete(data)) },
};

const isPkgId = (pkgId: number): pkgId is PkgID => Object.hasOwn(legacyPackages, pkgId);

/**
 * The package for `pkgId` with its `data` checked, ready to run on a caller; undefined when no
 * package has that id. Throws BAD_REQUEST (with zod's issues as the cause) for `data` of the wrong shape.
 */
export function preparePackage(pkgId: number, data: FrameData): ((caller: Caller) => Promise<PackageResult>) | undefined {
  if (!isPkgId(pkgId)) return undefined;
  const parsed = legacyRequestDataSchemas[pkgId].safeParse(data);
  if (!parsed.success) throw new TRPCError({ code: 'BAD_REQUEST', message: VALIDATION_MESSAGE, cause: parsed.error });
  const { run } = legacyPackages[pkgId] as Package<typeof pkgId>;
  return (caller) => run(caller, parsed.data as DataOf<typeof pkgId>);
}
