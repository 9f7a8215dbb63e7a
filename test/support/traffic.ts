/**
 * Traffic for live capture tests across a veth (veth.ts): small servers on the host end and senders for the
 * namespace end, written as `node -e` scripts so they need nothing but Node, and bounded waits for the programs
 * that run them. Every wait here has its own limit and names what it waited for when that passes: a test that
 * hangs on a program says which one, instead of running into its own timeout.
 */
import type { ChildProcess } from 'node:child_process';

/** `promise`, or, after `ms`, a rejection naming `what` (a function: read when the time is up). */
export function within<T>(ms: number, what: string | (() => string), promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    const name = () => (typeof what === 'string' ? what : what());
    timer = setTimeout(() => reject(new Error(`${name()}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Resolves once the program's output (stdout or stderr) shows `marker`; rejects when it exits first or after
 * `ms`, with what it printed. A program's stdout into a pipe is block-buffered unless it flushes: give it the
 * option that makes it flush (iperf3's `--forceflush`), or its marker never comes.
 */
export function said(child: ChildProcess, marker: RegExp, ms = 30_000): Promise<void> {
  let text = '';
  const seen = new Promise<void>((resolve, reject) => {
    const look = (d: Buffer) => {
      text += d;
      if (marker.test(text)) resolve();
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ${marker}: ${text}`)));
  });
  return within(
    ms,
    () => `${child.spawnargs.slice(0, 3).join(' ')} saying ${marker} (its output: ${JSON.stringify(text)})`,
    seen,
  );
}

/** Resolves with the exit code once the program has exited; after `ms`, kills it and rejects. */
export async function ended(child: ChildProcess, ms: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    return await within(ms, `${child.spawnargs.slice(0, 3).join(' ')} exiting`, exit);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** An HTTP server on port 8080 of the address given, answering every request with 200,000 bytes. */
export const HTTP_SERVER = `
const body = Buffer.alloc(200_000, 120);
require('node:http').createServer((_, res) => res.end(body)).listen(8080, process.argv[1], () => console.log('ready'));
`;

/**
 * A UDP service on the address and ports given that takes datagrams and says nothing (without one the host would
 * answer with ICMP errors).
 */
export const DISCARD_SERVER = `
const ports = process.argv.slice(2);
let bound = 0;
for (const port of ports)
  require('node:dgram').createSocket('udp4').bind(Number(port), process.argv[1], () => ++bound === ports.length && console.log('ready'));
`;

/** Five UDP flows of four datagrams each (100, 110... 140 bytes) to the address and port given. */
export const UDP_SENDER = `
const dgram = require('node:dgram');
(async () => {
  for (let flow = 0; flow < 5; flow++) {
    const socket = dgram.createSocket('udp4');
    for (let i = 0; i < 4; i++)
      await new Promise((resolve) => socket.send(Buffer.alloc(100 + flow * 10), Number(process.argv[2]), process.argv[1], resolve));
    socket.close();
  }
})();
`;

/** A new UDP flow (a socket of its own, one datagram) to the address and port given every 10 ms until killed. */
export const CHURN_SENDER = `
const dgram = require('node:dgram');
setInterval(() => {
  const socket = dgram.createSocket('udp4');
  socket.send(Buffer.alloc(64), Number(process.argv[2]), process.argv[1], () => socket.close());
}, 10);
`;
