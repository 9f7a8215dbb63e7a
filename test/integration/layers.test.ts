import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/package.js';

const ROOT = packageRoot();
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** The rule's verdict on a tree: each violation as `rule: from -> to`. */
function violations(dir: string, folders: string[]): string[] {
  // The report goes to a file: on a pipe, a report of more than about a megabyte came back cut short.
  const reportFile = join(mkdtempSync(join(tmpdir(), 'flowtrail-depcruise-')), 'report.json');
  try {
    execFileSync(
      DEPCRUISE,
      [...folders, '--config', CONFIG, '--output-type', 'json', '--output-to', reportFile],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch {
    // depcruise exits non-zero when it finds errors; the report is written all the same.
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { summary: { violations: Violation[] } };
  return report.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

/** A small tree of TypeScript files, each importing the ones listed for it. */
function tree(files: Record<string, string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-layers-'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  );
  for (const [file, imports] of Object.entries(files)) {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    const lines = imports.map((target) => {
      const from = dirname(file)
        .split('/')
        .map(() => '..')
        .join('/');
      return `import '${from}/${target.replace(/\.ts$/, '.js')}';`;
    });
    writeFileSync(path, `${lines.join('\n')}\nexport const x = 1;\n`);
  }
  return dir;
}

describe('the layering rule', () => {
  it('holds for the project', () => {
    expect(violations(ROOT, ['src', 'plugins', 'codecs', 'app', 'test', 'bench', 'scripts'])).toEqual([]);
  });

  it('refuses every import that runs against the layers, and allows the ones that follow them', () => {
    const dir = tree({
      'src/core.ts': [],
      'src/bad-core.ts': ['plugins/a/source.ts', 'codecs/z/codec.ts', 'app/wiring.ts'],
      'plugins/a/source.ts': ['src/core.ts', 'plugins/a/part.ts'],
      'plugins/a/part.ts': [],
      'plugins/b/sink.ts': ['plugins/a/source.ts', 'codecs/z/codec.ts', 'app/wiring.ts'],
      'codecs/z/codec.ts': ['src/core.ts'],
      'codecs/y/codec.ts': ['codecs/z/codec.ts', 'plugins/a/part.ts'],
      'app/wiring.ts': ['plugins/a/source.ts', 'codecs/z/codec.ts', 'src/core.ts'],
      'src/cycle-one.ts': ['src/cycle-two.ts'],
      'src/cycle-two.ts': ['src/cycle-one.ts'],
      'src/uses-support.ts': ['test/support.ts'],
      'src/core.test.ts': ['test/support.ts', 'src/core.ts'],
      'test/support.ts': [],
    });
    expect(violations(dir, ['src', 'plugins', 'codecs', 'app', 'test'])).toEqual([
      'code-imports-test-support: src/uses-support.ts -> test/support.ts',
      'codec-imports-plugin-or-codec: codecs/y/codec.ts -> codecs/z/codec.ts',
      'codec-imports-plugin-or-codec: codecs/y/codec.ts -> plugins/a/part.ts',
      'core-imports-outer-layer: src/bad-core.ts -> app/wiring.ts',
      'core-imports-outer-layer: src/bad-core.ts -> codecs/z/codec.ts',
      'core-imports-outer-layer: src/bad-core.ts -> plugins/a/source.ts',
      'layer-imports-composition-root: plugins/b/sink.ts -> app/wiring.ts',
      'layer-imports-composition-root: src/bad-core.ts -> app/wiring.ts',
      'no-circular: src/cycle-one.ts -> src/cycle-two.ts',
      'plugin-imports-codec: plugins/b/sink.ts -> codecs/z/codec.ts',
      'plugin-imports-plugin: plugins/b/sink.ts -> plugins/a/source.ts',
    ]);
  });
});
