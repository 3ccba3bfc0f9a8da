// Hostile superjson payloads: shared references (`meta.referentialEqualities`) that unfold into huge
// trees or cycles, and random ones for fuzzing the decoder and everything behind it.
import fc from 'fast-check';

export interface SuperjsonPayload {
  json: unknown;
  meta?: unknown;
}

/**
 * A few hundred bytes whose references make a DAG of 2^depth paths: level i is `{a: <level i+1>,
 * b: <the same object>}` — the attack of the issue, "references chained `depth` deep".
 */
export function referenceBomb(depth: number): SuperjsonPayload {
  let json: Record<string, unknown> = { a: null, b: null };
  for (let i = 1; i < depth; i++) json = { a: json, b: null };
  const referentialEqualities: Record<string, string[]> = {};
  for (let i = 0; i < depth - 1; i++) {
    const at = 'a.'.repeat(i);
    referentialEqualities[`${at}a`] = [`${at}b`];
  }
  return { json, meta: { referentialEqualities, v: 1 } };
}

/** The payload of the issue verbatim: `a` and `b` are the root itself, a cycle. */
export const REFERENCE_CYCLE: SuperjsonPayload = { json: { a: null, b: null }, meta: { referentialEqualities: [['a', 'b']], v: 1 } };

const key = fc.constantFrom('a', 'b', 'c', 'name', 'id', '0', '1');
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, 0, 1, 'x', true),
    fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
    fc.array(tie('tree'), { maxLength: 4 }),
  ),
}));

/** Every dotted path of a JSON tree (superjson's path syntax; our keys need no escaping). */
function pathsOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, child]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...pathsOf(child, path)];
  });
}

/**
 * Random payloads: a random tree with references between random paths of it (DAGs, and cycles
 * through the root form `[[paths], {…}]`), random value annotations (valid or not), or a bomb of
 * random depth.
 */
export const superjsonPayload: fc.Arbitrary<SuperjsonPayload> = fc.oneof(
  tree.chain((json) => {
    const paths = pathsOf(json);
    const path = paths.length ? fc.constantFrom(...paths) : fc.constant('a');
    const references = fc.dictionary(path, fc.array(path, { minLength: 1, maxLength: 3 }), { maxKeys: 4 });
    const annotation = fc.constantFrom('Date', 'bigint', 'undefined', 'number', 'set', 'map', 'regexp', 'Error', 'nonsense');
    const values = fc.dictionary(path, annotation.map((type) => [type]), { maxKeys: 2 });
    return fc.record({
      json: fc.constant(json),
      meta: fc.oneof(
        fc.record({ referentialEqualities: references, v: fc.constant(1) }),
        fc.record({ referentialEqualities: fc.tuple(fc.array(path, { minLength: 1, maxLength: 2 }), references), v: fc.constant(1) }),
        fc.record({ values, referentialEqualities: references, v: fc.constant(1) }),
      ),
    });
  }),
  fc.integer({ min: 1, max: 40 }).map(referenceBomb),
);
