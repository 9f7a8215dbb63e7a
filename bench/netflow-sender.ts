/**
 * Replays the export packets of one capture to a UDP collector at a fixed rate, as an exporter would: the capture's
 * first packets (its templates) once, slowly, then its data packets in a loop for `seconds`. Prints one JSON line:
 * packets and flow records sent, and the seconds the data packets took to go out. Run by bench/netflow.ts in a
 * process of its own so it does not share a core's event loop with the collector.
 *
 *   tsx bench/netflow-sender.ts <pcap> <host> <port> <packets per second> <seconds>
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { NetflowDecoder } from '../plugins/netflow/decode/decoder.js';
import { parsePcap } from '../plugins/netflow/pcap-file.js';

const [pcap, host, portText, rateText, secondsText] = process.argv.slice(2);
const port = Number(portText);
const rate = Number(rateText);
const seconds = Number(secondsText);

const payloads = parsePcap(readFileSync(pcap)).datagrams.map((d) => d.payload);
const decoder = new NetflowDecoder();
/** Flow records only: collectors count options records (exporter statistics) apart. */
const flowRecords = (payload: Buffer) =>
  decoder.decode(payload, '192.0.2.1', 1).records.filter((r) => !r.template.isOptions).length;
const recordsIn = payloads.map(flowRecords);
// Packets with templates come first in these captures; the loop replays the rest.
const firstData = recordsIn.findIndex((n) => n > 0);
const setup = payloads.slice(0, firstData + 1);
const data = payloads.slice(firstData + 1);
// What each data packet yields once every template is known, as it is from the second time round the loop.
const dataRecords = data.map(flowRecords);

const socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 8 * 1024 * 1024 });
socket.connect(port, host, async () => {
  for (const payload of setup) {
    socket.send(payload);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  let sent = 0;
  let done = 0;
  let records = recordsIn.slice(0, firstData + 1).reduce((sum, n) => sum + n, 0);
  const total = Math.round(rate * seconds);
  const start = process.hrtime.bigint();
  // Sends complete asynchronously: the rate achieved is what went out by the last completion, which on a busy
  // machine can be less than the rate asked for.
  const onSent = () => {
    if (++done < total) return;
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    setTimeout(() => {
      process.stdout.write(
        `${JSON.stringify({ packets: sent + setup.length, records, seconds: elapsed })}\n`,
      );
      socket.close();
    }, 100);
  };
  const tick = () => {
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    const due = Math.min(total, Math.floor(elapsed * rate));
    while (sent < due) {
      const i = sent % data.length;
      socket.send(data[i], onSent);
      records += dataRecords[i];
      sent++;
    }
    if (sent < total) setImmediate(tick);
  };
  tick();
});
