/**
 * `flowtrail watch --file` on the lab capture, driven as a person would: in a detached tmux session of a fixed size,
 * keys sent with send-keys, the screen read back with capture-pane. The lab's scanner (203.0.113.66: a SYN scan of
 * ports 1-1000 of 10.77.0.1, refused or unanswered) and its heavy talker (10.77.0.5's iperf3 upload to
 * 198.51.100.20:5201) must be on screen with their flags and states, and a resized window must be drawn anew.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { LAB } from '../support/lab.js';
import { describeNeeding, firstMissing, fixturesMissing, toolsMissing } from '../support/requirements.js';
import { amount, flowsShown, watchRows as rows, TmuxSession } from '../support/tmux.js';

const pane = new TmuxSession('watch-test');

describeNeeding(firstMissing(fixturesMissing(), toolsMissing('tmux')))(
  'watch in tmux, on the lab capture',
  () => {
    beforeAll(async () => {
      pane.start(
        [process.execPath, BIN, 'watch', '--file', join(LAB, 'uplink.pcap'), '--speed', '10'],
        120,
        40,
      );
      // 12 s of capture at ten times its pace, then a tick more for the last flows.
      await pane.showing((text) => text.includes('replay finished'), 60_000);
      await sleep(1500);
    });

    afterAll(() => pane.kill());

    it('the heavy talker leads the flows by bytes, with both sides’ flags and its state', async () => {
      const text = pane.screen();
      expect(text).toContain('[1 Flows]');
      expect(text).toContain('sort: bytes descending');
      const [top] = rows(text);
      expect(top).toMatch(/^tcp +10\.77\.0\.5:\d+ +198\.51\.100\.20:5201 +(SF|S1|S3|RSTO|RSTR) +S\w*\/S\w* /);
      // iperf3 moved about 20 MB in that connection.
      const bytes = top.trim().split(/ +/)[6];
      expect(amount(bytes)).toBeGreaterThan(15e6);
    });

    it('the scanner leads the hosts by ports, nearly all of its connections failed', async () => {
      pane.keys('2', 's', 's');
      const text = await pane.showing((t) => t.includes('[2 Hosts]') && t.includes('sort: ports descending'));
      const [top] = rows(text);
      const [address, flows, peers, ports, failed] = top.trim().split(/ +/);
      expect(address).toBe('203.0.113.66');
      expect(amount(ports)).toBeGreaterThanOrEqual(1000);
      expect(amount(flows)).toBeGreaterThan(1000);
      expect(amount(failed)).toBeGreaterThan(0.9 * amount(flows));
      // The address scan reached many more addresses than the one server.
      expect(amount(peers)).toBeGreaterThan(100);
    });

    it('filtered to the scanner: refused SYNs (REJ, S/AR) and unanswered ones (S0, S/)', async () => {
      pane.keys('1', '/');
      pane.type('203.0.113.66 state REJ');
      pane.keys('Enter');
      let text = await pane.showing(
        (t) => t.includes('filter: 203.0.113.66 state REJ') && t.includes('[1 Flows]'),
      );
      expect(flowsShown(text)).toBeGreaterThan(900);
      for (const row of rows(text))
        expect(row).toMatch(/^tcp +203\.0\.113\.66:\d+ +10\.77\.0\.\d+:\d+ +REJ +S\/AR /);
      pane.keys('/', 'C-u');
      pane.type('203.0.113.66 state S0');
      pane.keys('Enter');
      text = await pane.showing((t) => t.includes('filter: 203.0.113.66 state S0'));
      expect(flowsShown(text)).toBeGreaterThan(100);
      for (const row of rows(text))
        expect(row).toMatch(/^tcp +203\.0\.113\.66:\d+ +10\.77\.0\.\d+:\d+ +S0 +S\/ /);
    });

    it('ports, protocols and interfaces, packet sizes and LAN stations each show their table', async () => {
      pane.keys('/', 'C-u');
      pane.type('203.0.113.66');
      pane.keys('Enter', '3');
      let text = await pane.showing((t) => t.includes('[3 Ports]') && t.includes('filter: 203.0.113.66 '));
      // One service port per row, as many as the screen holds: the scan's ports.
      expect(rows(text).filter((r) => /^tcp\/\d+ /.test(r)).length).toBe(40 - 6);
      pane.keys('c', '4');
      text = await pane.showing((t) => t.includes('[4 Interfaces+protocols]') && t.includes('filter: none'));
      const uplink = text.split('\n').find((line) => line.startsWith('uplink.pcap '));
      // Every IP packet of the capture's 4243 frames is in a flow.
      expect(amount(uplink?.trim().split(/ +/)[2] ?? '')).toBeGreaterThan(4000);
      for (const protocol of ['tcp', 'udp', 'icmp'])
        expect(text).toMatch(new RegExp(`^${protocol} +\\d`, 'm'));
      pane.keys('5');
      text = await pane.showing((t) => t.includes('[5 Packet sizes]'));
      expect(text).toMatch(/^<=64 +\S+ +\d+\.\d% #*/m);
      // The lab's veths handed tcpdump segments larger than a frame (segmentation offload): iperf3's among them.
      expect(text).toMatch(/^>1518 +\S+ +\d+\.\d% #+/m);
      pane.keys('6');
      text = await pane.showing((t) => t.includes('[6 LAN stations]'));
      const stations = rows(text);
      // The uplink's two ends: the router and the ISP side, each with packets both ways.
      expect(stations.length).toBeGreaterThanOrEqual(2);
      for (const row of stations.slice(0, 2)) expect(row).toMatch(/^([0-9A-F]{2}-){5}[0-9A-F]{2} +[1-9]/);
    });

    it('a resized window is drawn anew at its new size, and q quits', async () => {
      pane.keys('1');
      await pane.showing((t) => t.includes('[1 Flows]'));
      pane.resize(90, 24);
      // The whole expected frame is waited for: a capture between two redraws (a loaded machine) is not it.
      const heavyFirst = (t: string) =>
        /^tcp +10\.77\.0\.5:\d+ +198\.51\.100\.20:5201 /.test(rows(t)[0] ?? '');
      let text = await pane.showing(
        (t) =>
          t.split('\n').length <= 25 &&
          rows(t).length === 24 - 5 &&
          t.split('\n').every((line) => line.length <= 90) &&
          t.includes('flowtrail watch  uplink.pcap') &&
          heavyFirst(t),
      );
      for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(90);
      expect(text).toContain('flowtrail watch  uplink.pcap');
      expect(rows(text)[0]).toMatch(/^tcp +10\.77\.0\.5:\d+ +198\.51\.100\.20:5201 /);
      pane.resize(160, 50);
      text = await pane.showing(
        (t) => rows(t).length === 50 - 5 && / Rate *\n/.test(t) && / 0b\/s *$/.test(rows(t)[0] ?? ''),
      );
      // Every column, the last one too, fits the wider window.
      expect(text).toMatch(/ Rate *\n/);
      expect(rows(text)[0]).toMatch(/ 0b\/s *$/);
      pane.keys('q');
      // tmux 3.3 does not always know a dead pane's exit status: the pane dying on q is what is checked, and a
      // status, when tmux has one, must be 0.
      const status = await pane.exitStatus();
      expect(['', '0']).toContain(status);
    });
  },
);
