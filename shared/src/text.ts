// Text inputs. PostgreSQL's text, varchar and jsonb hold neither U+0000 nor unpaired UTF-16
// surrogates: such a string would fail in the database (a 500 for a client mistake). Every string
// the API accepts is built on `textSchema`, so that text is a validation error instead, on every
// transport.
import { z } from 'zod';

export const UNSTORABLE_TEXT_MESSAGE = 'Text must not contain NUL characters or unpaired surrogates';

export function isStorableText(value: string): boolean {
  return value.isWellFormed() && !value.includes('\u0000');
}

export const textSchema = z.string().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);
