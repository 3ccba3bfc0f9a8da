// Building blocks of the AsyncAPI document: message objects with payloads converted from zod
// (draft-07, the base of AsyncAPI 3.0's schema format), markdown tables for descriptions, close codes.
import type { z } from 'zod';
import { toJsonSchema, type JsonSchema } from '../procedure-schemas';

export interface Message {
  name: string;
  title: string;
  summary?: string;
  contentType: 'application/json';
  payload: JsonSchema;
}

/** One channel and the operations on it. */
export interface ChannelPart {
  key: string;
  /** A markdown section for the document's description: renderers repeat a channel's own description under each operation. */
  overview: string;
  channel: Record<string, unknown>;
  operations: Record<string, unknown>;
}

export interface CloseCodeEntry {
  code: number;
  when: string;
}

export const toPayload = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => toJsonSchema(schema, io, 'draft-7');

export function message(title: string, payload: JsonSchema, summary?: string): Message {
  return {
    name: title.replace(/\W+/g, '_'),
    title,
    ...(summary ? { summary } : {}),
    contentType: 'application/json',
    payload,
  };
}

export function closeCodes(meanings: Readonly<Record<number, string>>): CloseCodeEntry[] {
  return Object.entries(meanings).map(([code, when]) => ({ code: Number(code), when }));
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const closeCodeTable = (entries: readonly CloseCodeEntry[]): string =>
  markdownTable(['close code', 'when'], entries.map(({ code, when }) => [String(code), when]));
