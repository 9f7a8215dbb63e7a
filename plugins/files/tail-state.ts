import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What the tailer knows about one file; persisted so that a restart resumes where the last one stopped. */
export interface TrackedFile {
  /** Fingerprint of the file's first `length` bytes: its identity across renames, and part of its records' ids. */
  id: string;
  /** How many leading bytes `id` covers: 1 KiB, or the whole file if it was smaller when first seen. */
  length: number;
  /** Resume point: every line before it was written to Elasticsearch or dead-lettered. */
  offset: number;
  /** Line number at `offset`, for `file:line` in dead letters. */
  number: number;
  /** Where the file was last seen, and its device/inode there: a hint that spares fingerprinting. */
  path: string;
  dev: number;
  ino: number;
  /** Epoch ms of the last scan that found the file. */
  seen: number;
}

const VERSION = 1;

/** The positions of one input, in one small JSON file replaced atomically (write to a temporary, rename). */
export class PositionStore {
  constructor(readonly file: string) {}

  load(): TrackedFile[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const value = JSON.parse(text) as { version: number; files: TrackedFile[] };
    if (value.version !== VERSION)
      throw new Error(`${this.file}: unknown position file version ${value.version}`);
    return value.files;
  }

  save(files: readonly TrackedFile[]): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify({ version: VERSION, files }));
    renameSync(temporary, this.file);
  }
}
