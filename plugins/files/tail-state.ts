import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../src/util/disk.js';

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

/** The positions of one input, in one small JSON file replaced atomically (see `writeFileAtomic`). */
export class PositionStore {
  constructor(readonly file: string) {}

  /**
   * The positions saved last. A file that cannot be read as positions (cut short by a power cut, edited by hand)
   * is set aside, named in `unreadable`, and reading starts over: records read again keep their ids.
   */
  load(): { files: TrackedFile[]; unreadable?: string } {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return { files: [] };
    }
    try {
      const value = JSON.parse(text) as { version: number; files: TrackedFile[] };
      if (value.version === VERSION && Array.isArray(value.files)) return { files: value.files };
    } catch {
      // Set aside below.
    }
    const aside = `${this.file}.unreadable-${Date.now()}`;
    try {
      renameSync(this.file, aside);
    } catch {
      // Not kept aside (the disk refuses even that): the next save replaces it.
      return { files: [], unreadable: this.file };
    }
    return { files: [], unreadable: aside };
  }

  save(files: readonly TrackedFile[]): void {
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, JSON.stringify({ version: VERSION, files }));
  }
}
