import type { Worker } from 'node:worker_threads';

/**
 * The first of the source's workers to die before it was closed: it fails the run, so every wait of the run races
 * it rather than waiting for an answer that will never come.
 */
export class WorkerDeath {
  private readonly promise: Promise<never>;
  private reject: (err: Error) => void = () => {};
  /** The name of the first worker that died, if one did. */
  died: string | undefined;

  constructor() {
    this.promise = new Promise<never>((_, reject) => {
      this.reject = reject;
    });
    this.promise.catch(() => {});
  }

  /** Reports `worker`'s error or exit; `name` says which worker in the message of the latter. */
  watch(worker: Worker, name: string): void {
    worker.on('error', (err) => this.fail(name, err));
    worker.on('exit', (code) => this.fail(name, new Error(`netflow: ${name} exited (code ${code})`)));
  }

  /** Fails the run as `name`'s death would. */
  fail(name: string, err: Error): void {
    this.died ??= name;
    this.reject(err);
  }

  /** `promise`, unless a worker dies first. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.promise]);
  }
}
