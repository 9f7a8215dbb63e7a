import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type Logger, pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveClasspath } from './maven.js';

/**
 * A stand-in `mvn` on PATH: offline (-o) it succeeds only once `online` ran (the artifacts are then in ~/.m2);
 * online it prints a transfer line, and its -q/-B flags, and writes the classpath file.
 */
const FAKE_MVN = `#!/bin/sh
dir=$(dirname "$0")
out=""
for a in "$@"; do case "$a" in -Dmdep.outputFile=*) out="\${a#-Dmdep.outputFile=}";; esac; done
case " $* " in
  *" -o "*) [ -f "$dir/m2" ] || exit 1 ;;
  *) echo "Downloading from central: https://repo/x.jar"; echo "flags: $*" >&2; touch "$dir/m2" ;;
esac
echo "$dir/m2" > "$out"
`;

describe('resolveClasspath', () => {
  let dir: string;
  let path: string | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowtrail-maven-'));
    writeFileSync(join(dir, 'mvn'), FAKE_MVN);
    chmodSync(join(dir, 'mvn'), 0o755);
    writeFileSync(join(dir, 'pom.xml'), '<project/>');
    path = process.env.PATH;
    process.env.PATH = `${dir}:${path}`;
  });
  afterEach(() => {
    process.env.PATH = path;
  });

  function logged(): { logger: Logger; lines: string[] } {
    const lines: string[] = [];
    return { logger: pino({}, { write: (l: string) => lines.push(JSON.parse(l).msg) }), lines };
  }

  it('says it downloads and shows Maven progress only when Maven has to go online', async () => {
    const shown = new PassThrough();
    let text = '';
    shown.on('data', (d) => (text += d));
    const first = logged();
    const classpath = await resolveClasspath(join(dir, 'pom.xml'), join(dir, 'cache'), first.logger, shown);
    expect(classpath).toBe(join(dir, 'm2'));
    expect(first.lines).toEqual([
      expect.stringMatching(/^downloading what the embedded stack needs with Maven/),
    ]);
    expect(text).toMatch(/Downloading from central/);
    // On a terminal Maven runs without -q and -B, which would hide its transfer progress.
    expect(text).toMatch(/flags: -f /);

    const second = logged();
    await resolveClasspath(join(dir, 'pom.xml'), join(dir, 'other-cache'), second.logger, shown);
    expect(second.lines).toEqual([]);
  });
});
