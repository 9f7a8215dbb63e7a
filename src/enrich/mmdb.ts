import { readFileSync, type Stats, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Reader, type Response } from 'maxmind';

/** Says what went wrong with a database without stopping the caller: enrichment goes on with what it has. */
export type EnrichmentWarn = (message: string, fields?: Record<string, unknown>) => void;

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Opens a MaxMind-format database (GeoIP2, GeoLite2, DB-IP, ip-location-db) whole into memory. */
export function openDatabase(path: string): Reader<Response> {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read the database ${path}: ${describe(err)}`);
  }
  try {
    return new Reader<Response>(data);
  } catch (err) {
    throw new Error(`${path} is not a MaxMind-format (mmdb) database: ${describe(err)}`);
  }
}

function changed(current: Stats, loaded: Stats | undefined): boolean {
  return (
    loaded === undefined ||
    current.mtimeMs !== loaded.mtimeMs ||
    current.size !== loaded.size ||
    current.ino !== loaded.ino
  );
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * A database file that is read again when it changes (geoipupdate and package updates replace it), checked by
 * comparing its status every `checkIntervalMs` with the one it had when it was read: that sees a file renamed
 * over the old one and a symbolic link moved alike, however soon after the read. A file that cannot be read or
 * is not a database (still being written, say) leaves the one in use in place until the next change.
 */
export class WatchedDatabase {
  private reader: Reader<Response>;
  /** The file's status when `reader` was read from it (taken before reading: a change during it is seen). */
  private loaded: Stats | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    readonly path: string,
    private readonly options: { checkIntervalMs: number; onReload: () => void; warn: EnrichmentWarn },
  ) {
    this.loaded = statOf(path);
    this.reader = openDatabase(path);
    if (options.checkIntervalMs > 0) {
      this.timer = setInterval(() => void this.check(), options.checkIntervalMs);
      this.timer.unref();
    }
  }

  /** Reads the file again if it is there and differs from the one read last. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const current = await stat(this.path).catch(() => undefined);
      // A file that is gone for now is waited for rather than reported.
      if (current !== undefined && changed(current, this.loaded)) this.reload(current);
    } finally {
      this.checking = false;
    }
  }

  /** 4 or 6: a database of IPv4 networks only cannot answer for IPv6 addresses. */
  get ipVersion(): number {
    return this.reader.metadata.ipVersion;
  }

  /** When the database was built, as its metadata says. */
  get builtAt(): Date {
    return this.reader.metadata.buildEpoch;
  }

  get type(): string {
    return this.reader.metadata.databaseType;
  }

  /** The record of the network `address` is in, in whatever layout the database has. */
  get(address: string, ipv6: boolean): unknown {
    if (ipv6 && this.reader.metadata.ipVersion === 4) return null;
    return this.reader.get(address);
  }

  reload(current = statOf(this.path)): void {
    // Remembered even when the file is refused: it is not tried again until it changes again.
    this.loaded = current;
    try {
      this.reader = openDatabase(this.path);
    } catch (err) {
      this.options.warn('enrichment: database not reloaded; the one read before stays in use', {
        path: this.path,
        err: describe(err),
      });
      return;
    }
    this.options.onReload();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
