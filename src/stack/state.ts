import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

export interface StackState {
  dataDir: string;
  elasticsearch: {
    url: string;
    pid: number;
    nodePids: number[];
    nodes: number;
    httpPorts: number[];
    logFile: string;
  };
  /** `bootstrap` lists every broker; `pid` and `logFile` are broker 1's, `pids` one per broker. */
  kafka?: { bootstrap: string; pid: number; pids: number[]; brokers: number; logFile: string };
  startedAt: string;
}

/** What a restart needs to relaunch a JVM exactly as before; stored next to the public fields. */
const esLaunch = z.object({
  /** Absent in state files written before OpenSearch could be chosen. */
  engine: z.enum(['elasticsearch', 'opensearch']).default('elasticsearch'),
  home: z.string(),
  clusterName: z.string(),
  transportPort: z.number(),
  heapMb: z.number(),
});
const kafkaLaunch = z.object({
  home: z.string(),
  port: z.number(),
  controllerPort: z.number(),
  heapMb: z.number(),
  /** Absent in state files written before a cluster of brokers could be started. */
  brokers: z.number().default(1),
});

const stateSchema = z.object({
  dataDir: z.string(),
  elasticsearch: z
    .object({
      url: z.string(),
      /** node-1's JVM. */
      pid: z.number(),
      /** One JVM per node, node-1's first; absent in state files of the one-JVM launcher. */
      nodePids: z.array(z.number()).optional(),
      nodes: z.number(),
      httpPorts: z.array(z.number()),
      logFile: z.string(),
      launch: esLaunch,
    })
    // The one-JVM launcher ran every node in the process `pid`.
    .transform((es) => ({ ...es, nodePids: es.nodePids ?? Array.from({ length: es.nodes }, () => es.pid) })),
  kafka: z
    .object({
      bootstrap: z.string(),
      /** Broker 1's JVM. */
      pid: z.number(),
      /** One JVM per broker, broker 1's first; absent in state files of a single broker. */
      pids: z.array(z.number()).optional(),
      logFile: z.string(),
      launch: kafkaLaunch,
    })
    .transform((kafka) => ({ ...kafka, pids: kafka.pids ?? [kafka.pid], brokers: kafka.launch.brokers }))
    .optional(),
  startedAt: z.string(),
});

export type EsLaunch = z.infer<typeof esLaunch>;
export type StackEngine = EsLaunch['engine'];
export type KafkaLaunch = z.infer<typeof kafkaLaunch>;
export type StoredState = z.infer<typeof stateSchema>;
export type StoredEs = StoredState['elasticsearch'];
export type StoredKafka = NonNullable<StoredState['kafka']>;

/** The state file, or undefined when there is none; a corrupt file is an error, not an empty stack. */
export async function readState(file: string): Promise<StoredState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = stateSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${file} is not a flowtrail stack state file: ${parsed.error.message}`);
  return parsed.data;
}

/** Written via rename so a concurrent `stack status` never reads half a file. */
export async function writeState(file: string, state: StoredState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, file);
}

export async function removeState(file: string): Promise<void> {
  await rm(file, { force: true });
}
