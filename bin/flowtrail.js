#!/usr/bin/env -S node --max-semi-space-size=4
// The flag caps V8's young generation at 3 x 4 MB (it is sized from the machine's memory otherwise, up to 48 MB):
// the collector's main thread allocates hundreds of MB/s of short-lived documents with a few MB alive, and a
// large young generation only adds resident memory (bench:netflow runs its collector with the same flag).
import { main } from '../dist/src/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
