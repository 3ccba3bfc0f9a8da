// Plain-text tables for the terminal: padded columns, numbers aligned right.
export interface Column<T> {
  header: string;
  value(row: T): string;
  align?: 'left' | 'right';
}

export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (columns[i]!.align === 'right' ? value.padStart(widths[i]!) : value.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...cells.map(line)].join('\n');
}

/** `2026-01-31 12:00:00` in UTC: sortable, and the same on every machine. */
export const formatTimestamp = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ');
