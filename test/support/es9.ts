import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../src/stack/exec.js';
import { resolveClasspath } from '../../src/stack/maven.js';
import { killGroup, logTail, spawnDetached } from '../../src/stack/process.js';
import { packageRoot } from '../../src/util/package.js';

/** Elasticsearch 9 needs Java 21 or later; the machines this project runs on have a JDK 25 there. */
export const JAVA21_HOME = process.env.FLOWTRAIL_JAVA21_HOME ?? '/usr/lib/jvm/temurin-25-jdk-amd64';

export interface Es9Node {
  url: string;
  stop(): Promise<void>;
}

const SOURCES = ['Elasticsearch9Node.java', 'RootInfoPlugin.java'];

/**
 * Starts an Elasticsearch 9.0 node in a JVM of its own (see test/support/es9/) under `dir`, listening on
 * `httpPort` (transport 100 above), and resolves once it answers GET /.
 */
export async function startElasticsearch9(dir: string, httpPort: number): Promise<Es9Node> {
  const sources = join(packageRoot(), 'test', 'support', 'es9');
  const cache = join(dir, 'cache');
  const home = join(dir, 'home');
  rmSync(home, { recursive: true, force: true });
  mkdirSync(join(home, 'config'), { recursive: true });
  const classpath = await resolveClasspath(join(sources, 'pom.xml'), cache);
  const classes = join(cache, 'classes');
  if (!existsSync(join(classes, 'Elasticsearch9Node.class'))) {
    const javac = join(JAVA21_HOME, 'bin', 'javac');
    const compiled = await run(javac, [
      '-nowarn',
      '-d',
      classes,
      '-cp',
      classpath,
      ...SOURCES.map((s) => join(sources, s)),
    ]);
    if (compiled.code !== 0) throw new Error(`javac failed:\n${compiled.output}`);
  }
  const log = join(dir, 'elasticsearch9.log');
  const pid = spawnDetached(
    join(JAVA21_HOME, 'bin', 'java'),
    [
      '-Xms512m',
      '-Xmx512m',
      '-Dio.netty.noUnsafe=true',
      `-Des9.home=${home}`,
      `-Des9.http_port=${httpPort}`,
      `-Des9.transport_port=${httpPort + 100}`,
      '-cp',
      `${classes}:${classpath}`,
      'org.junit.runner.JUnitCore',
      'Elasticsearch9Node',
    ],
    log,
    'elasticsearch 9',
  );
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) })).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await killGroup(pid);
      throw new Error(`Elasticsearch 9 did not answer at ${url} in time:\n${logTail(log)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { url, stop: () => killGroup(pid) };
}
