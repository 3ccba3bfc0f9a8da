// Bounded `endpoint` label values for HTTP metrics: a request path is reported as the route template
// it matches (`/authors/{id}`), never as the raw path, so ids and junk URLs cannot explode the series.
// Each transport registers its templates at start-up; anything else is reported as UNMATCHED_ENDPOINT.

/** The `endpoint` label of every path no registered template matches (404s, scanners). */
export const UNMATCHED_ENDPOINT = '{unmatched}';

interface Pattern {
  template: string;
  regex: RegExp;
  params: number;
}

const PARAM = /\{[^/{}]+\}/g;

export class EndpointTemplates {
  private readonly literals = new Map<string, string>();
  private readonly patterns: Pattern[] = [];

  /**
   * Registers a route template: literal segments match themselves, `{name}` matches one path
   * segment. Literal templates win over patterns; among patterns, fewer parameters win
   * (`/authors/paginated` over `/authors/{id}` over `/{a}/{b}`).
   */
  register(template: string): this {
    if (!template.startsWith('/')) throw new Error(`Route template must start with "/": ${template}`);
    const params = template.match(PARAM)?.length ?? 0;
    if (params === 0) {
      this.literals.set(template, template);
      return this;
    }
    const source = template
      .split(PARAM)
      .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    this.patterns.push({ template, regex: new RegExp(`^${source}$`), params });
    this.patterns.sort((a, b) => a.params - b.params);
    return this;
  }

  /** The template `path` (without query string) matches, or UNMATCHED_ENDPOINT. */
  match(path: string): string {
    const literal = this.literals.get(path);
    if (literal !== undefined) return literal;
    for (const pattern of this.patterns) if (pattern.regex.test(path)) return pattern.template;
    return UNMATCHED_ENDPOINT;
  }
}
