/**
 * `flowtrail watch --interface` capturing the host end of a veth to a network namespace of the test's own, in a
 * detached tmux session (support/tmux.ts), while the namespace runs a heavy talker (an iperf3 upload to the host)
 * and a scanner (nmap's SYN scan of 300 of the host's ports): both must be on screen with their flags and states as
 * the capture goes on (open flows, read from the meter each second), and q must quit. A missing interface must be
 * named.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ringUnavailable } from '../../plugins/tap/ring.js';
import { BIN } from '../support/cli.js';
import { describeNeeding, firstMissing, namespacesMissing, toolsMissing } from '../support/requirements.js';
import { amount, flowsShown, watchRows as rows, TmuxSession } from '../support/tmux.js';
import { ended, said } from '../support/traffic.js';
import { createVethLink, type VethLink } from '../support/veth.js';

const SCANNED_PORTS = 300;

const escaped = (text: string) => text.replace(/\./g, '\\.');

describeNeeding(firstMissing(namespacesMissing(), toolsMissing('tmux', 'iperf3', 'nmap'), ringUnavailable()))(
  'watch --interface in tmux, on a veth',
  () => {
    let link: VethLink;
    let iperf: ChildProcess | undefined;
    const pane = new TmuxSession('watch-live');

    beforeAll(async () => {
      link = await createVethLink();
      pane.start([process.execPath, BIN, 'watch', '--interface', link.hostInterface], 120, 40);
      await pane.showing(
        (t) => t.includes(`flowtrail watch  ${link.hostInterface}`) && t.includes('capturing live'),
      );
      // --forceflush: iperf3's output into a pipe is otherwise held until it exits.
      iperf = spawn('iperf3', ['-s', '-1', '--forceflush', '-B', link.hostIp], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await said(iperf, /Server listening/);
      await link.exec('iperf3', ['-c', link.hostIp, '-t', '2', '-b', '100M'], 30_000);
      await ended(iperf, 15_000);
      await link.exec(
        'nmap',
        ['-n', '-Pn', '-sS', '--max-retries', '0', '-p', `1-${SCANNED_PORTS}`, link.hostIp],
        60_000,
      );
    }, 120_000);

    afterAll(async () => {
      pane.kill();
      if (iperf?.exitCode === null) iperf.kill('SIGKILL');
      await link?.cleanup();
    });

    it('the heavy talker leads the flows by bytes, with both sides’ flags and its state', async () => {
      const heavy = new RegExp(
        `^tcp +${escaped(link.peerIp)}:\\d+ +${escaped(link.hostIp)}:5201 +(SF|S1|S3|RSTO|RSTR) +S\\w*/S\\w* `,
      );
      const text = await pane.showing((t) => t.includes('[1 Flows]') && heavy.test(rows(t)[0] ?? ''));
      expect(text).toContain('sort: bytes descending');
      // 2 s at 100 Mbit/s: about 25 MB.
      expect(amount(rows(text)[0].trim().split(/ +/)[6])).toBeGreaterThan(10e6);
    });

    it('the scanner leads the hosts by ports, nearly all of its connections refused', async () => {
      pane.keys('2', 's', 's');
      const text = await pane.showing((t) => t.includes('[2 Hosts]') && t.includes('sort: ports descending'));
      const [address, flows, , ports, failed] = rows(text)[0].trim().split(/ +/);
      expect(address).toBe(link.peerIp);
      expect(amount(ports)).toBeGreaterThanOrEqual(SCANNED_PORTS);
      expect(amount(failed)).toBeGreaterThan(0.9 * amount(flows));
    });

    it('filtered to the refused probes: REJ with flags S/AR; the interface on the interfaces view; q quits', async () => {
      pane.keys('1', '/');
      pane.type(`${link.peerIp} state REJ`);
      pane.keys('Enter');
      let text = await pane.showing(
        (t) => t.includes(`filter: ${link.peerIp} state REJ`) && t.includes('[1 Flows]'),
      );
      expect(flowsShown(text)).toBeGreaterThan(0.9 * SCANNED_PORTS);
      for (const row of rows(text))
        expect(row).toMatch(
          new RegExp(`^tcp +${escaped(link.peerIp)}:\\d+ +${escaped(link.hostIp)}:\\d+ +REJ +S/AR `),
        );
      pane.keys('c', '4');
      text = await pane.showing((t) => t.includes('[4 Interfaces+protocols]') && t.includes('filter: none'));
      expect(text).toMatch(new RegExp(`^${link.hostInterface} +\\d`, 'm'));
      pane.keys('q');
      expect(['', '0']).toContain(await pane.exitStatus());
    });

    it('a missing interface is named, with exit status 2', async () => {
      const missing = new TmuxSession('watch-live-missing');
      try {
        missing.start([process.execPath, BIN, 'watch', '--interface', 'nosuch0'], 120, 10);
        const status = await missing.exitStatus();
        expect(missing.output()).toContain('--interface: cannot capture on nosuch0: no such interface');
        expect(['', '2']).toContain(status);
      } finally {
        missing.kill();
      }
    });
  },
);
