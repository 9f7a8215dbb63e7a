import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { FIXTURES } from './fixtures.js';

/** Where the full test run's needs are named and installed (README "Development"). */
const HOW = 'scripts/install-test-deps.sh installs them';

/** Why the shared fixtures cannot be used, or undefined when they can. */
export function fixturesMissing(): string | undefined {
  return existsSync(FIXTURES)
    ? undefined
    : `needs the shared fixtures at ${FIXTURES} (put them at ../shared/fixtures beside the checkout, or set FLOWTRAIL_FIXTURES)`;
}

const found = new Map<string, boolean>();

function onPath(tool: string): boolean {
  let present = found.get(tool);
  if (present === undefined) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      present = true;
    } catch {
      present = false;
    }
    found.set(tool, present);
  }
  return present;
}

/** Why these programs cannot be run, or undefined when they all can. */
export function toolsMissing(...tools: string[]): string | undefined {
  const missing = tools.filter((tool) => !onPath(tool));
  return missing.length === 0 ? undefined : `needs ${missing.join(', ')} on the PATH (${HOW})`;
}

/** Why a test that makes network namespaces cannot run here (root and `ip` are needed), or undefined. */
export function namespacesMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to make network namespaces';
  return toolsMissing('ip');
}

let registry: string | undefined | null = null;

/** Why the npm registry cannot be reached with npm (installs of packages at run time), or undefined. */
export function registryMissing(): string | undefined {
  if (registry === null) {
    try {
      execFileSync('npm', ['ping'], { stdio: 'ignore', timeout: 30_000 });
      registry = undefined;
    } catch {
      registry = 'needs npm and the npm registry (`npm ping` failed)';
    }
  }
  return registry;
}

/** The first of the reasons given, or undefined when there is none. */
export function firstMissing(...reasons: Array<string | undefined>): string | undefined {
  return reasons.find((reason) => reason !== undefined);
}

/**
 * `describe`, or, when something it needs is missing, a skipped suite whose name says what and how to get it
 * (the run's summary lists it; CI, which has everything, fails on it).
 */
export function describeNeeding(missing: string | undefined): (name: string, body: () => void) => void {
  return missing === undefined
    ? describe
    : (name, body) => describe.skip(`${name} [skipped: ${missing}]`, body);
}

/** `it`, or, when something it needs is missing, a skipped test whose name says what and how to get it. */
export function itNeeding(
  missing: string | undefined,
): (name: string, body: () => unknown, timeout?: number) => void {
  return missing === undefined
    ? it
    : (name, body, timeout) => it.skip(`${name} [skipped: ${missing}]`, body, timeout);
}

/**
 * What a suite made from the fixtures' listing iterates: the listing, or, when the fixtures are missing, a stand-in
 * (a skipped suite is still collected, so it must not read them, and needs one test to say why it was skipped).
 */
export function listedFromFixtures<T>(list: () => T, standIn: T): T {
  return fixturesMissing() === undefined ? list() : standIn;
}
