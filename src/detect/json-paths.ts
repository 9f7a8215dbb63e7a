/** One level of the paths to read: each member is read (`slot`, its index in the result) or descended into. */
export interface PathLevel {
  keys: string[];
  nodes: Array<PathLevel | number>;
}

/** The dotted paths as levels; `readPaths` returns their values in this order. */
export function pathTree(paths: readonly string[]): PathLevel {
  const root: PathLevel = { keys: [], nodes: [] };
  for (const [slot, path] of paths.entries()) {
    const parts = path.split('.');
    let level = root;
    for (const [depth, part] of parts.entries()) {
      const at = level.keys.indexOf(part);
      if (depth === parts.length - 1) {
        if (at >= 0) throw new Error(`path ${path} given twice or inside another`);
        level.keys.push(part);
        level.nodes.push(slot);
        continue;
      }
      if (at >= 0 && typeof level.nodes[at] === 'number') throw new Error(`path ${path} inside another`);
      if (at < 0) {
        level.keys.push(part);
        level.nodes.push({ keys: [], nodes: [] });
      }
      level = level.nodes[at < 0 ? level.nodes.length - 1 : at] as PathLevel;
    }
  }
  return root;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(s: string, i: number): number {
  while (isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** Index of the quote closing the string that opens at `i`. */
function stringEnd(s: string, i: number): number {
  let j = s.indexOf('"', i + 1);
  for (;;) {
    if (j < 0) throw new SyntaxError('unterminated string in JSON');
    let backslashes = 0;
    while (s.charCodeAt(j - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return j;
    j = s.indexOf('"', j + 1);
  }
}

/** Index just past the rest of an object or array, from `i` inside it at `depth`. */
function closeOf(s: string, i: number, depth: number): number {
  for (let j = i; j < s.length; j++) {
    const d = s.charCodeAt(j);
    if (d === QUOTE) j = stringEnd(s, j);
    else if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
    else if ((d === CLOSE_OBJECT || d === CLOSE_ARRAY) && --depth === 0) return j + 1;
  }
  throw new SyntaxError('unterminated object in JSON');
}

/** Index just past the value that starts at `i`. */
function valueEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return stringEnd(s, i) + 1;
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) return closeOf(s, i + 1, 1);
  let j = i;
  for (;;) {
    const d = s.charCodeAt(j);
    if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || isSpace(d) || Number.isNaN(d)) return j;
    j++;
  }
}

/** The value between `i` and `end`: strings and numbers without a general parse. */
function leafValue(s: string, i: number, end: number): unknown {
  const c = s.charCodeAt(i);
  if (c === QUOTE) {
    const text = s.slice(i + 1, end - 1);
    return text.includes('\\') ? JSON.parse(s.slice(i, end)) : text;
  }
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return Number(s.slice(i, end));
  return JSON.parse(s.slice(i, end));
}

/**
 * The member of `level` named by the key between `start` and `end`, compared in place: most keys of a document
 * are not wanted, and cutting each out as a string would make walking past them cost more than parsing. Keys
 * are compared as written: JSON writers do not escape the plain names looked for.
 */
function memberOf(s: string, start: number, end: number, level: PathLevel): number {
  const { keys } = level;
  for (let k = 0; k < keys.length; k++)
    if (keys[k].length === end - start && s.startsWith(keys[k], start)) return k;
  return -1;
}

/** How many objects deep inside the returned object a stopped read stopped (see `readObject`). */
let stoppedDepth = 0;

/**
 * Reads the object at `i` into `out`; returns the index past it, or, once every member the level names was
 * read, `~index` of where it stopped, `stoppedDepth` objects deep inside it (the caller skips the rest only if
 * it reads on).
 */
function readObject(s: string, i: number, level: PathLevel, out: unknown[]): number {
  let remaining = level.keys.length;
  i = skipSpace(s, i + 1);
  if (s.charCodeAt(i) === CLOSE_OBJECT) return i + 1;
  for (;;) {
    if (s.charCodeAt(i) !== QUOTE) throw new SyntaxError(`expected a key at ${i} in JSON`);
    const keyEnd = stringEnd(s, i);
    const member = memberOf(s, i + 1, keyEnd, level);
    i = skipSpace(s, skipSpace(s, keyEnd + 1) + 1);
    const node = member < 0 ? undefined : level.nodes[member];
    if (typeof node === 'number') {
      const end = valueEnd(s, i);
      out[node] = leafValue(s, i, end);
      i = end;
      remaining--;
    } else if (node !== undefined && s.charCodeAt(i) === OPEN_OBJECT) {
      const end = readObject(s, i, node, out);
      remaining--;
      if (end < 0 && remaining === 0) {
        stoppedDepth++;
        return end;
      }
      i = end < 0 ? closeOf(s, ~end, stoppedDepth) : end;
    } else {
      i = valueEnd(s, i);
    }
    if (remaining === 0) {
      stoppedDepth = 1;
      return ~i;
    }
    i = skipSpace(s, i);
    const c = s.charCodeAt(i);
    if (c === CLOSE_OBJECT) return i + 1;
    if (c !== COMMA) throw new SyntaxError(`expected , or } at ${i} in JSON`);
    i = skipSpace(s, i + 1);
  }
}

/**
 * The values at the paths of `tree` in a JSON object's text, in the order the paths were given (undefined where
 * absent). Only the objects on the way to them are walked, everything else is skipped without being built, and
 * reading stops once every path was found.
 */
export function readPaths(json: string, tree: PathLevel, count: number): unknown[] {
  const out: unknown[] = new Array(count);
  const start = skipSpace(json, 0);
  if (json.charCodeAt(start) !== OPEN_OBJECT) throw new SyntaxError('expected a JSON object');
  readObject(json, start, tree, out);
  return out;
}
