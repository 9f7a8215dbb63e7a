import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { run } from './exec.js';

interface CachedClasspath {
  pomSha256: string;
  classpath: string;
}

/**
 * The runtime classpath of `pomFile`, resolved by Maven into ~/.m2 and cached under `cacheDir` until the pom
 * changes. The cache matters: even an offline `mvn` costs seconds on every `stack up`. Only when ~/.m2 lacks
 * artifacts does Maven go online, which is then said, and on a terminal (`progress`) Maven's own download
 * progress is shown.
 */
export async function resolveClasspath(
  pomFile: string,
  cacheDir: string,
  logger?: Logger,
  progress: NodeJS.WritableStream | undefined = process.stderr.isTTY ? process.stderr : undefined,
): Promise<string> {
  const pom = await readFile(pomFile);
  const pomSha256 = createHash('sha256').update(pom).digest('hex');
  const cacheFile = join(cacheDir, `${pomSha256.slice(0, 16)}.classpath.json`);
  const cached = await readCache(cacheFile);
  if (cached?.pomSha256 === pomSha256 && cached.classpath.split(':').every((jar) => existsSync(jar))) {
    return cached.classpath;
  }

  await mkdir(cacheDir, { recursive: true });
  const outFile = join(cacheDir, `${pomSha256.slice(0, 16)}.classpath.txt`);
  const args = ['-q', '-B', '-f', pomFile, 'dependency:build-classpath', `-Dmdep.outputFile=${outFile}`];
  // Offline first: after one online resolution ~/.m2 usually has everything, and -o skips update checks.
  let result = await run('mvn', ['-o', ...args]);
  if (result.code !== 0) {
    logger?.info(
      { pom: pomFile },
      'downloading what the embedded stack needs with Maven into ~/.m2 (once; later starts use the copies)',
    );
    // Without -q and -B Maven draws its transfer progress, which is for a terminal only.
    result = progress
      ? await run(
          'mvn',
          args.filter((a) => a !== '-q' && a !== '-B'),
          undefined,
          progress,
        )
      : await run('mvn', args);
  }
  if (result.code !== 0) {
    throw new Error(
      `mvn could not resolve the classpath of ${pomFile}:\n${result.output.trim().slice(-4000)}`,
    );
  }
  const classpath = (await readFile(outFile, 'utf8')).trim();
  await rm(outFile, { force: true });
  await writeFile(cacheFile, JSON.stringify({ pomSha256, classpath } satisfies CachedClasspath));
  return classpath;
}

async function readCache(file: string): Promise<CachedClasspath | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as CachedClasspath;
  } catch {
    return undefined;
  }
}
