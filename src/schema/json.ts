/**
 * Pieces of a hand-written JSON document. Each returns exactly what `JSON.stringify` returns for the value, so a
 * document written with them parses to the same value as the object it stands for.
 */

/** A string as a JSON literal; text with nothing to escape (almost all of it) is only quoted. */
export function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Control characters, `"`, `\` and surrogates (escaped when unpaired) are left to the serializer.
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/** JSON has no NaN or Infinity: `JSON.stringify` writes them as null. */
export function jsonNumber(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null';
}

/**
 * A value a source has already written as JSON (its own namespace, say): the flow writer places the text as is,
 * and `JSON.stringify` anywhere else gives the same value.
 */
export class RawJson {
  constructor(readonly json: string) {}

  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}
