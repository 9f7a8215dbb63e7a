/**
 * The lab's own servers and clients where no installed tool fits (scripts/lab/make-lab.sh runs each inside a
 * network namespace), and the paced replay of a captured export into nfcapd:
 *
 *   serve http:IP:PORT dns:IP ssh:IP:PORT ...   runs until SIGTERM
 *   dns SOURCE SERVER COUNT                     UDP/53 queries, one answer awaited each
 *   ssh SOURCE SERVER                           one connection to tcp/22 that exchanges banners
 *   replay HOST PCAP:PORT ...                   every datagram of each capture, re-sent to HOST:PORT
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parsePcap } from '../../plugins/netflow/pcap-file.js';

/** The size of the file the lab's downloads fetch (lab/README.md: "a 300 kB file"). */
const FILE_BYTES = 300_000;
const INDEX = '<html><body>flowtrail lab</body></html>\n';
/** softflowd sends a whole export in under a millisecond; nfcapd reading at that pace loses datagrams. */
const REPLAY_GAP_MS = 2;

function fail(message: string): never {
  console.error(`traffic: ${message}`);
  process.exit(2);
}

function hostPort(text: string, defaultPort: number): [string, number] {
  const [host, port] = text.split(':');
  return [host, port === undefined ? defaultPort : Number(port)];
}

function serveHttp(host: string, port: number): void {
  const file = Buffer.alloc(FILE_BYTES, 'flowtrail ');
  createServer((req, res) => {
    const body = req.url === '/file.bin' ? file : Buffer.from(INDEX);
    res.writeHead(req.url === '/file.bin' || req.url === '/index.html' ? 200 : 404, {
      'content-length': body.length,
    });
    res.end(body);
  }).listen(port, host);
}

/** An answer of one A record for whatever was asked, which is all the lab's DNS client needs. */
function dnsAnswer(query: Buffer): Buffer {
  let end = 12;
  while (end < query.length && query[end] !== 0) end += query[end] + 1;
  const question = query.subarray(12, end + 5);
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8180, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 6);
  header.writeUInt32BE(0, 8);
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 203, 0, 113, 80]);
  return Buffer.concat([header, question, answer]);
}

function serveDns(host: string, port: number): void {
  const socket = createSocket('udp4');
  socket.on('message', (msg, peer) => {
    if (msg.length >= 17) socket.send(dnsAnswer(msg), peer.port, peer.address);
  });
  socket.bind(port, host);
}

/** Says its banner, reads the client's, and hangs up: an SSH handshake attempt as a flow shows it. */
function serveSsh(host: string, port: number): void {
  createTcpServer((conn) => {
    conn.on('error', () => undefined);
    conn.write('SSH-2.0-OpenSSH_9.2p1\r\n');
    conn.once('data', () => setTimeout(() => conn.end(), 50));
  }).listen(port, host);
}

function query(id: number, name: string): Buffer {
  const labels = name.split('.').flatMap((label) => [Buffer.from([label.length]), Buffer.from(label)]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

async function dnsQueries(source: string, server: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, source, resolve));
    const answered = new Promise<void>((resolve) => socket.once('message', () => resolve()));
    socket.send(query(0x4c00 + i, `host${i}.example.org`), 53, server);
    await Promise.race([answered, sleep(1000)]);
    socket.close();
    await sleep(50);
  }
}

async function sshAttempt(source: string, server: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const conn = connect({ host: server, port: 22, localAddress: source });
    conn.setTimeout(3000, () => conn.destroy(new Error('no answer from the SSH port')));
    conn.once('data', () => conn.write('SSH-2.0-OpenSSH_9.6\r\n'));
    conn.on('close', () => resolve());
    conn.on('error', reject);
  });
}

function send(socket: Socket, data: Buffer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(data, port, host, (err) => (err ? reject(err) : resolve())),
  );
}

async function replay(host: string, specs: string[]): Promise<void> {
  for (const spec of specs) {
    const [file, port] = spec.split(/:(?=\d+$)/);
    const { datagrams } = parsePcap(readFileSync(file));
    if (datagrams.length === 0) fail(`${file} holds no datagrams`);
    const socket = createSocket('udp4');
    // The exporter's own source port, so nfcapd sees one exporter as it did in the capture.
    await new Promise<void>((resolve) => socket.bind(datagrams[0].sourcePort, host, resolve));
    for (const d of datagrams) {
      await send(socket, d.payload, Number(port), host);
      await sleep(REPLAY_GAP_MS);
    }
    socket.close();
  }
}

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'serve':
    for (const spec of args) {
      const [kind, rest] = [spec.slice(0, spec.indexOf(':')), spec.slice(spec.indexOf(':') + 1)];
      if (kind === 'http') serveHttp(...hostPort(rest, 80));
      else if (kind === 'dns') serveDns(...hostPort(rest, 53));
      else if (kind === 'ssh') serveSsh(...hostPort(rest, 22));
      else fail(`unknown service ${spec}`);
    }
    process.on('SIGTERM', () => process.exit(0));
    break;
  case 'dns':
    await dnsQueries(args[0], args[1], Number(args[2]));
    break;
  case 'ssh':
    await sshAttempt(args[0], args[1]);
    break;
  case 'replay':
    await replay(args[0], args.slice(1));
    break;
  default:
    fail(`unknown command ${command ?? '(none)'}; see the comment at the top of scripts/lab/traffic.ts`);
}
