// The pkg_id table: each legacy package is one procedure plus how its `data` becomes that
// procedure's input. Validation, RBAC, rate limiting, audit and metrics are the procedures' own:
// inputs are handed over unchecked and validated by the procedure's schema. Adding a package is
// one entry here (and its id in shared/src/legacy.ts); the AsyncAPI document describes each
// package's answer from the output schema of the procedure named here.
import { PkgID, type PaginationMeta } from '@authors/shared';
import type { AppRouter } from '../../routers';
import { isPlainObject, type FrameData } from './frames';

export type Caller = ReturnType<AppRouter['createCaller']>;

export interface PackageResult {
  data: unknown;
  meta: PaginationMeta | null;
}

interface Package {
  /** The procedure `run` calls, by its dotted path: the documents read its schemas and roles. */
  procedure: string;
  run(caller: Caller, data: FrameData): Promise<PackageResult>;
}

/** The procedure's own input schema checks this value; the cast only hands it over. */
function unchecked<T>(value: unknown): T {
  return value as T;
}

/**
 * Filters may sit under `filters` or at the top level; `search` and its old name `search_term` are
 * aliases of `name` (the substring filter).
 */
function authorFilters(data: FrameData): { id: unknown; name: unknown } {
  const filters = isPlainObject(data.filters) ? { ...data, ...data.filters } : data;
  return { id: filters.id, name: filters.name ?? filters.search ?? filters.search_term };
}

const plain = (data: unknown): PackageResult => ({ data, meta: null });

export const legacyPackages: Record<number, Package> = {
  [PkgID.GET_AUTHORS]: {
    procedure: 'authors.list',
    run: async (caller, data) => plain(await caller.authors.list(unchecked(authorFilters(data)))),
  },
  [PkgID.GET_PAGINATED_AUTHORS]: {
    procedure: 'authors.paginated',
    run: async (caller, data) => {
      const { items, meta } = await caller.authors.paginated(
        unchecked({ ...data, filters: isPlainObject(data.filters) ? authorFilters({ filters: data.filters }) : data.filters }),
      );
      return { data: items, meta };
    },
  },
  [PkgID.CREATE_AUTHOR]: {
    procedure: 'authors.create',
    run: async (caller, data) => plain(await caller.authors.create(unchecked(data))),
  },
  [PkgID.UPDATE_AUTHOR]: {
    procedure: 'authors.update',
    run: async (caller, data) => plain(await caller.authors.update(unchecked(data))),
  },
  [PkgID.DELETE_AUTHOR]: {
    procedure: 'authors.delete',
    run: async (caller, data) => plain(await caller.authors.delete(unchecked(data))),
  },
} satisfies Record<PkgID, Package>;
