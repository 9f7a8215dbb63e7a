/**
 * `flowtrail watch --file` on the lab capture, driven as a person would: in a detached tmux session of a fixed size,
 * keys sent with send-keys, the screen read back with capture-pane. The lab's scanner (203.0.113.66: a SYN scan of
 * ports 1-1000 of 10.77.0.1, refused or unanswered) and its heavy talker (10.77.0.5's iperf3 upload to
 * 198.51.100.20:5201) must be on screen with their flags and states, and a resized window must be drawn anew.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { LAB } from '../support/lab.js';
import { describeNeeding, firstMissing, fixturesMissing, toolsMissing } from '../support/requirements.js';

const SESSION = 'watch';
/** A server of the test's own (tmux -L), so that nobody's tmux sessions are seen or touched. */
const SOCKET = `flowtrail-watch-test-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', SESSION);
}

function keys(...names: string[]): void {
  tmux('send-keys', '-t', SESSION, ...names);
}

/** Types text as it is (no key names looked up). */
function type(text: string): void {
  tmux('send-keys', '-t', SESSION, '-l', text);
}

/**
 * The screen once it shows what `test` looks for and holds still (the same twice, 300 ms apart: a capture taken
 * while a frame is being drawn shows half of it); fails with the last screen after `timeoutMs`.
 */
async function screenShowing(test: (text: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let text = screen();
  for (;;) {
    if (test(text)) {
      await sleep(300);
      const again = screen();
      if (again === text) return text;
      text = again;
      continue;
    }
    if (Date.now() > until) throw new Error(`the screen never showed what was expected:\n${text}`);
    await sleep(200);
    text = screen();
  }
}

/** The table's rows: the lines between the column header (after the 3 heading lines) and the keys line. */
function rows(text: string): string[] {
  const lines = text.split('\n');
  return lines
    .slice(
      4,
      lines.findIndex((l, i) => i > 3 && l.startsWith('1-6/Tab')),
    )
    .filter((l) => l.trim());
}

/** 998, 1.00k, 21.3M as a number. */
function amount(text: string): number {
  const scale: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9 };
  const match = /^([\d.]+)([kMG]?)/.exec(text);
  if (match === null) throw new Error(`not an amount: ${text}`);
  return Number(match[1]) * (scale[match[2]] ?? 1);
}

/** The summary line's `flows N/M`: the conversations that pass the filter. */
function flowsShown(text: string): number {
  const match = /flows (\S+)\//.exec(text);
  if (match === null) throw new Error(`no flow count on the screen:\n${text}`);
  return amount(match[1]);
}

describeNeeding(firstMissing(fixturesMissing(), toolsMissing('tmux')))(
  'watch in tmux, on the lab capture',
  () => {
    beforeAll(async () => {
      const command = [process.execPath, BIN, 'watch', '--file', join(LAB, 'uplink.pcap'), '--speed', '10'];
      tmux(
        'new-session',
        '-d',
        '-s',
        SESSION,
        '-x',
        '120',
        '-y',
        '40',
        command.map((a) => `'${a}'`).join(' '),
      );
      // The pane stays after watch exits, so that its exit status can be read.
      tmux('set-option', '-t', SESSION, 'remain-on-exit', 'on');
      // 12 s of capture at ten times its pace, then a tick more for the last flows.
      await screenShowing((text) => text.includes('replay finished'), 60_000);
      await sleep(1500);
    });

    afterAll(() => {
      try {
        tmux('kill-server');
      } catch {
        // Already gone: the test's server ends with its last session.
      }
    });

    it('the heavy talker leads the flows by bytes, with both sides’ flags and its state', async () => {
      const text = screen();
      expect(text).toContain('[1 Flows]');
      expect(text).toContain('sort: bytes descending');
      const [top] = rows(text);
      expect(top).toMatch(/^tcp +10\.77\.0\.5:\d+ +198\.51\.100\.20:5201 +(SF|S1|S3|RSTO|RSTR) +S\w*\/S\w* /);
      // iperf3 moved about 20 MB in that connection.
      const bytes = top.trim().split(/ +/)[6];
      expect(amount(bytes)).toBeGreaterThan(15e6);
    });

    it('the scanner leads the hosts by ports, nearly all of its connections failed', async () => {
      keys('2', 's', 's');
      const text = await screenShowing(
        (t) => t.includes('[2 Hosts]') && t.includes('sort: ports descending'),
      );
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
      keys('1', '/');
      type('203.0.113.66 state REJ');
      keys('Enter');
      let text = await screenShowing(
        (t) => t.includes('filter: 203.0.113.66 state REJ') && t.includes('[1 Flows]'),
      );
      expect(flowsShown(text)).toBeGreaterThan(900);
      for (const row of rows(text))
        expect(row).toMatch(/^tcp +203\.0\.113\.66:\d+ +10\.77\.0\.\d+:\d+ +REJ +S\/AR /);
      keys('/', 'C-u');
      type('203.0.113.66 state S0');
      keys('Enter');
      text = await screenShowing((t) => t.includes('filter: 203.0.113.66 state S0'));
      expect(flowsShown(text)).toBeGreaterThan(100);
      for (const row of rows(text))
        expect(row).toMatch(/^tcp +203\.0\.113\.66:\d+ +10\.77\.0\.\d+:\d+ +S0 +S\/ /);
    });

    it('ports, protocols and interfaces, packet sizes and LAN stations each show their table', async () => {
      keys('/', 'C-u');
      type('203.0.113.66');
      keys('Enter', '3');
      let text = await screenShowing((t) => t.includes('[3 Ports]') && t.includes('filter: 203.0.113.66 '));
      // One service port per row, as many as the screen holds: the scan's ports.
      expect(rows(text).filter((r) => /^tcp\/\d+ /.test(r)).length).toBe(40 - 6);
      keys('c', '4');
      text = await screenShowing((t) => t.includes('[4 Interfaces+protocols]') && t.includes('filter: none'));
      const uplink = text.split('\n').find((line) => line.startsWith('uplink.pcap '));
      // Every IP packet of the capture's 4243 frames is in a flow.
      expect(amount(uplink?.trim().split(/ +/)[2] ?? '')).toBeGreaterThan(4000);
      for (const protocol of ['tcp', 'udp', 'icmp'])
        expect(text).toMatch(new RegExp(`^${protocol} +\\d`, 'm'));
      keys('5');
      text = await screenShowing((t) => t.includes('[5 Packet sizes]'));
      expect(text).toMatch(/^<=64 +\S+ +\d+\.\d% #*/m);
      // The lab's veths handed tcpdump segments larger than a frame (segmentation offload): iperf3's among them.
      expect(text).toMatch(/^>1518 +\S+ +\d+\.\d% #+/m);
      keys('6');
      text = await screenShowing((t) => t.includes('[6 LAN stations]'));
      const stations = rows(text);
      // The uplink's two ends: the router and the ISP side, each with packets both ways.
      expect(stations.length).toBeGreaterThanOrEqual(2);
      for (const row of stations.slice(0, 2)) expect(row).toMatch(/^([0-9A-F]{2}-){5}[0-9A-F]{2} +[1-9]/);
    });

    it('a resized window is drawn anew at its new size, and q quits', async () => {
      keys('1');
      await screenShowing((t) => t.includes('[1 Flows]'));
      tmux('resize-window', '-t', SESSION, '-x', '90', '-y', '24');
      // The whole expected frame is waited for: a capture between two redraws (a loaded machine) is not it.
      const heavyFirst = (t: string) =>
        /^tcp +10\.77\.0\.5:\d+ +198\.51\.100\.20:5201 /.test(rows(t)[0] ?? '');
      let text = await screenShowing(
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
      tmux('resize-window', '-t', SESSION, '-x', '160', '-y', '50');
      text = await screenShowing(
        (t) => rows(t).length === 50 - 5 && / Rate *\n/.test(t) && / 0b\/s *$/.test(rows(t)[0] ?? ''),
      );
      // Every column, the last one too, fits the wider window.
      expect(text).toMatch(/ Rate *\n/);
      expect(rows(text)[0]).toMatch(/ 0b\/s *$/);
      keys('q');
      // tmux 3.3 does not always know a dead pane's exit status (both status and signal come back empty): the pane
      // dying on q is what is checked, and a status, when tmux has one, must be 0.
      const status = await (async () => {
        const until = Date.now() + 10_000;
        for (;;) {
          const [dead, code] = tmux('list-panes', '-t', SESSION, '-F', '#{pane_dead}:#{pane_dead_status}')
            .trim()
            .split(':');
          if (dead === '1') return code;
          if (Date.now() > until) throw new Error('watch did not quit on q');
          await sleep(200);
        }
      })();
      expect(['', '0']).toContain(status);
    });
  },
);
