import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** $FLOWTRAIL_HOME or ~/.flowtrail. */
export function defaultDataDir(): string {
  return resolve(process.env.FLOWTRAIL_HOME || join(homedir(), '.flowtrail'));
}

/** Where everything of one stack lives, below `<dataDir>/stack`. */
export interface StackPaths {
  root: string;
  stateFile: string;
  logsDir: string;
  esLog: string;
  kafkaLog: string;
  esHome: string;
  /** The OpenSearch node's home: apart from Elasticsearch's, so that switching engines mixes no data. */
  openSearchHome: string;
  kafkaHome: string;
  /** The nodes' `path.repo`: filesystem snapshot repositories (backups, archived days), one tree per engine. */
  snapshotsDir: string;
  /** Resolved classpaths and the compiled launcher: cheap to rebuild, kept across `stack down`. */
  cacheDir: string;
}

export function stackPaths(dataDir: string): StackPaths {
  const root = join(resolve(dataDir), 'stack');
  const logsDir = join(root, 'logs');
  return {
    root,
    stateFile: join(root, 'state.json'),
    logsDir,
    esLog: join(logsDir, 'elasticsearch.log'),
    kafkaLog: join(logsDir, 'kafka.log'),
    esHome: join(root, 'es'),
    openSearchHome: join(root, 'opensearch'),
    kafkaHome: join(root, 'kafka'),
    snapshotsDir: join(root, 'snapshots'),
    cacheDir: join(root, 'cache'),
  };
}

/**
 * The package's `stack/` folder (poms, launcher source). Searched upwards because this module runs from
 * `src/stack` under tsx/vitest and from `dist/src/stack` once built.
 */
export function stackAssetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'stack', 'pom.xml');
    if (existsSync(candidate)) return dirname(candidate);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the stack/pom.xml shipped with flowtrail');
    dir = parent;
  }
}
