import { execFile } from 'node:child_process';

export interface ExecResult {
  code: number;
  output: string;
}

/**
 * Runs a short-lived tool (mvn, javac) and collects stdout+stderr; never rejects on a non-zero exit. `echo`
 * also gets the output as it comes (a person watching a download).
 */
export function run(
  cmd: string,
  args: string[],
  cwd?: string,
  echo?: NodeJS.WritableStream,
): Promise<ExecResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(cmd, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`cannot run ${cmd}: ${err.message}`));
        return;
      }
      resolvePromise({ code: err ? Number(err.code) : 0, output: `${stdout}${stderr}` });
    });
    if (echo) for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d) => echo.write(d));
  });
}

/** `java`/`javac` from $JAVA_HOME when set, otherwise from PATH. */
export function jdkTool(name: 'java' | 'javac'): string {
  const home = process.env.JAVA_HOME;
  return home ? `${home}/bin/${name}` : name;
}
