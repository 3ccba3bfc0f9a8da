// A small parser for the Prometheus text exposition format, so tests compare numbers, not strings.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  samples: Sample[];
  /** `# TYPE` declarations: metric name → counter, gauge, histogram… */
  types: Map<string, string>;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq).trim();
    let value = '';
    let j = eq + 2; // skip `="`
    for (; text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        j++;
        value += text[j] === 'n' ? '\n' : text[j];
      } else {
        value += text[j];
      }
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
  }
  return labels;
}

export function parsePrometheus(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = brace === -1 ? line.indexOf(' ') : line.lastIndexOf('}') + 1;
    const name = line.slice(0, brace === -1 ? space : brace);
    const labels = brace === -1 ? {} : parseLabels(line.slice(brace + 1, space - 1));
    const value = Number(line.slice(space + 1).trim().split(' ')[0]);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

function sameLabels(a: Record<string, string>, b: Record<string, string | number>): boolean {
  const keys = Object.keys(b);
  return Object.keys(a).length === keys.length && keys.every((key) => a[key] === String(b[key]));
}

/** The value of the sample with exactly these labels, or undefined when there is none. */
export function valueOf(scrape: Scrape, name: string, labels: Record<string, string | number> = {}): number | undefined {
  return scrape.samples.find((sample) => sample.name === name && sameLabels(sample.labels, labels))?.value;
}

/** Every sample of a metric. */
export function samplesOf(scrape: Scrape, name: string): Sample[] {
  return scrape.samples.filter((sample) => sample.name === name);
}

export async function scrape(baseUrl: string): Promise<Scrape> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return parsePrometheus(await response.text());
}
