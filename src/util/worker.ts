/**
 * Worker threads started from their own module: the module that holds a worker's code also exports the function
 * that starts it, so following imports leads from whoever starts a worker to the code it runs.
 */
import { Worker, type WorkerOptions, workerData } from 'node:worker_threads';

interface Started {
  /** The `import.meta.url` of the worker's module. */
  entry: string;
  data: unknown;
}

/**
 * Starts a worker thread running the module at `entry` (its `import.meta.url`), which finds `data` with
 * `workerDataFor`. A module run from its TypeScript source (under tsx or vitest) is started through a small module
 * that registers tsx in the worker first: Node 20 applies no loader hooks to a worker's entry module, neither
 * inherited ones nor `--import tsx` in its `execArgv`.
 */
export function startWorker(
  entry: string,
  data: unknown,
  options: Omit<WorkerOptions, 'workerData' | 'eval'> = {},
): Worker {
  const started: Started = { entry, data };
  if (!entry.endsWith('.ts')) return new Worker(new URL(entry), { ...options, workerData: started });
  const api = import.meta.resolve('tsx/esm/api');
  const script = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(script, { ...options, workerData: started, eval: true });
}

/**
 * What `startWorker` handed the thread when it started it for the module at `entry`; undefined elsewhere, so that
 * the module runs its worker code only there and not where it is merely imported.
 */
export function workerDataFor<T>(entry: string): T | undefined {
  const started = workerData as Started | null;
  return started?.entry === entry ? (started.data as T) : undefined;
}
