// storableJsonText skips JSON.stringify's replacer when the plain text shows nothing to replace: it
// must give exactly the replacer's text for any value, including strings holding NUL, lone
// surrogates, valid pairs and look-alikes of their escapes (a literal backslash then `u0000`).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storableJson, storableJsonText } from '../server/src/db/storable-text';

const tricky = fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83d\ude00', '\\u0000', '\\ud800', '\\\\u0000', 'u0000', 'é', '"', '\n');
const text = fc.array(fc.oneof(fc.string({ unit: 'binary' }), tricky), { maxLength: 6 }).map((parts) => parts.join(''));
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.boolean(), fc.constant(null), fc.date({ noInvalidDate: true }), tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.dictionary(text, tie('node'), { maxKeys: 4 }),
})).node;

describe('storableJsonText', () => {
  it('is JSON.stringify with the storableJson replacer, for any value', () => {
    fc.assert(fc.property(value, (input) => {
      expect(storableJsonText(input)).toBe(JSON.stringify(input, storableJson));
    }), { numRuns: 2000 });
  });

  it('replaces NUL and lone surrogates, keeps valid pairs and escape look-alikes', () => {
    expect(storableJsonText({ a: 'x\u0000y', b: '\ud800', c: '\ud83d\ude00', d: '\\u0000' })).toBe('{"a":"x\uFFFDy","b":"\uFFFD","c":"\ud83d\ude00","d":"\\\\u0000"}');
  });
});
