import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jdkTool, run } from './exec.js';

/** The launchers' common part (stack/java/FlowtrailNode.java), compiled with each of them. */
const SHARED_SOURCE = 'FlowtrailNode';

/**
 * Compiles stack/java/<launcherClass>.java, with the part all launchers share, against the engine's classpath and
 * returns the directory holding the classes. Compiled once per (sources, classpath) pair so a warm start skips javac.
 */
export async function compileEsLauncher(
  assetsDir: string,
  cacheDir: string,
  classpath: string,
  launcherClass: string,
): Promise<string> {
  const sources = [launcherClass, SHARED_SOURCE].map((name) => join(assetsDir, 'java', `${name}.java`));
  const hash = createHash('sha256');
  for (const source of sources) hash.update(await readFile(source));
  const digest = hash.update(classpath).digest('hex').slice(0, 16);
  const classesDir = join(cacheDir, `launcher-${digest}`);
  if (existsSync(join(classesDir, `${launcherClass}.class`))) return classesDir;

  await mkdir(classesDir, { recursive: true });
  const result = await run(jdkTool('javac'), ['-nowarn', '-d', classesDir, '-cp', classpath, ...sources]);
  if (result.code !== 0) throw new Error(`javac failed for ${sources[0]}:\n${result.output.trim()}`);
  return classesDir;
}
