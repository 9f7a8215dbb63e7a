import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jdkTool, run } from './exec.js';

/**
 * Compiles stack/java/<launcherClass>.java against the engine's classpath and returns the directory holding the
 * class. Compiled once per (source, classpath) pair so a warm start skips javac.
 */
export async function compileEsLauncher(
  assetsDir: string,
  cacheDir: string,
  classpath: string,
  launcherClass: string,
): Promise<string> {
  const source = join(assetsDir, 'java', `${launcherClass}.java`);
  const digest = createHash('sha256')
    .update(await readFile(source))
    .update(classpath)
    .digest('hex')
    .slice(0, 16);
  const classesDir = join(cacheDir, `launcher-${digest}`);
  if (existsSync(join(classesDir, `${launcherClass}.class`))) return classesDir;

  await mkdir(classesDir, { recursive: true });
  const result = await run(jdkTool('javac'), ['-nowarn', '-d', classesDir, '-cp', classpath, source]);
  if (result.code !== 0) throw new Error(`javac failed for ${source}:\n${result.output.trim()}`);
  return classesDir;
}
