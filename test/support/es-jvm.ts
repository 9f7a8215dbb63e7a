import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../src/stack/exec.js';
import { resolveClasspath } from '../../src/stack/maven.js';
import { killGroup, logTail, spawnDetached } from '../../src/stack/process.js';
import { packageRoot } from '../../src/util/package.js';

/** Elasticsearch 8.19 and 9 run here on Java 21 or later; the machines this project runs on have a JDK 25 there. */
export const JAVA21_HOME = process.env.FLOWTRAIL_JAVA21_HOME ?? '/usr/lib/jvm/temurin-25-jdk-amd64';
export const HAS_JAVA21 = existsSync(join(JAVA21_HOME, 'bin', 'java'));

export interface JvmNode {
  url: string;
  stop(): Promise<void>;
}

/** A node of test/support/es-jvm: its folder there and the never-ending test class that runs it. */
export interface JvmNodeKind {
  folder: 'es9' | 'es8-security';
  mainClass: string;
  /** System properties, besides home and ports (`<prefix>.home`, `.http_port`, `.transport_port`). */
  properties?: Record<string, string>;
  prefix: string;
}

/** Compiles the node's sources once per content (a cache dir outlives edits to them); returns the classes dir. */
async function compile(kind: JvmNodeKind, classpath: string, cache: string): Promise<string> {
  const root = join(packageRoot(), 'test', 'support', 'es-jvm');
  const folder = join(root, kind.folder);
  const own = readdirSync(folder).filter((name) => name.endsWith('.java'));
  const sources = [
    join(root, 'RootInfoPlugin.java'),
    join(root, 'IngestCommonStandIn.java'),
    ...own.map((name) => join(folder, name)),
  ];
  const digest = createHash('sha256');
  for (const source of sources) digest.update(readFileSync(source));
  const classes = join(cache, `classes-${digest.digest('hex').slice(0, 16)}`);
  if (existsSync(join(classes, `${kind.mainClass}.class`))) return classes;
  const compiled = await run(join(JAVA21_HOME, 'bin', 'javac'), [
    '-nowarn',
    '-d',
    classes,
    '-cp',
    classpath,
    ...sources,
  ]);
  if (compiled.code !== 0) throw new Error(`javac failed:\n${compiled.output}`);
  return classes;
}

/**
 * Starts an Elasticsearch node in a JVM of its own under `dir`, on `httpPort` (transport 100 above), and
 * resolves once it answers GET / (with any status: a secured node answers 401).
 */
export async function startJvmNode(kind: JvmNodeKind, dir: string, httpPort: number): Promise<JvmNode> {
  const pom = join(packageRoot(), 'test', 'support', 'es-jvm', kind.folder, 'pom.xml');
  const cache = join(dir, 'cache');
  const home = join(dir, 'home');
  rmSync(home, { recursive: true, force: true });
  mkdirSync(join(home, 'config'), { recursive: true });
  const classpath = await resolveClasspath(pom, cache);
  const classes = await compile(kind, classpath, cache);
  const properties = {
    ...kind.properties,
    home,
    http_port: String(httpPort),
    transport_port: String(httpPort + 100),
  };
  const log = join(dir, 'node.log');
  const pid = spawnDetached(
    join(JAVA21_HOME, 'bin', 'java'),
    [
      '-Xms512m',
      '-Xmx512m',
      '-Dio.netty.noUnsafe=true',
      ...Object.entries(properties).map(([key, value]) => `-D${kind.prefix}.${key}=${value}`),
      '-cp',
      `${classes}:${classpath}`,
      'org.junit.runner.JUnitCore',
      kind.mainClass,
    ],
    log,
    kind.folder,
  );
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      const status = (await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) })).status;
      if (status === 200 || status === 401) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await killGroup(pid);
      throw new Error(`${kind.folder} did not answer at ${url} in time:\n${logTail(log)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { url, stop: () => killGroup(pid) };
}
