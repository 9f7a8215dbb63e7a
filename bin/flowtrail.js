#!/usr/bin/env -S node --max-semi-space-size=4 --max-old-space-size=1024
// V8 sizes its heaps from the machine's memory (on 24 GiB: a 48 MB young generation and a first full collection
// only after some 80 MB of garbage), while the collector's threads allocate hundreds of MB/s of short-lived
// documents with a few MB alive. A 3 x 4 MB young generation and a 1 GiB old-space ceiling (far above any
// command's live data) make the collections come sooner: bench:netflow's peak RSS went from about 240-270 MB to
// 190 MB with them. Every thread gets the ceiling; bench:netflow runs its collector with the same flags.
import { main } from '../dist/app/cli/main.js';

/**
 * A command that has returned has written and committed what it had; a handle a library left open (a client's
 * timer or socket) must not keep a stopped daemon up until a supervisor kills it. Unref'd, this fires only then.
 */
const LINGER_MS = 10_000;

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => {
      console.error(
        `flowtrail: still open ${LINGER_MS / 1000} s after the command ended (${process.getActiveResourcesInfo().join(', ')}); exiting`,
      );
      process.exit(code);
    }, LINGER_MS).unref();
  },
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
