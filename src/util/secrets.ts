import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '../errors.js';

export interface SecretFile {
  value: string;
  /** Set when users other than the owner may read the file: the caller warns with it. */
  exposed?: string;
}

/**
 * A secret kept in a file (a token, a password): its text without surrounding white space. A file that cannot be
 * read or holds nothing is a configuration error naming `key`, so that no service starts with an empty secret.
 */
export function readSecretFile(path: string, key: string): SecretFile {
  let text: string;
  let mode: number;
  try {
    text = readFileSync(path, 'utf8');
    mode = statSync(path).mode;
  } catch (err) {
    throw new ConfigError(`${key}: cannot read ${path}: ${(err as Error).message}`);
  }
  const value = text.trim();
  if (value === '') throw new ConfigError(`${key}: ${path} is empty`);
  const others = mode & 0o077;
  return others === 0
    ? { value }
    : {
        value,
        exposed: `${key}: ${path} can be read by other users (mode ${(mode & 0o777).toString(8)}); chmod 600 it`,
      };
}
