// Runs once before all suites: fail fast (or warn) about missing services before any file starts.
export default async function setup(): Promise<void> {
  await import('./services');
}
