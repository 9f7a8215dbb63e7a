import type { Reporter, TestModule } from 'vitest/node';

/** Where a skip says why: `ctx.skip(note)`, or the name of a test or suite made by test/support/requirements.ts. */
const REASON = /\[skipped: (.*)\]/;

/**
 * Says at the end of a run what was skipped and why, grouped by reason, so that a run without the shared
 * fixtures or the reference tools says what it did not test and how to enable it. With FLOWTRAIL_REQUIRE_ALL=1
 * (CI, which has everything) a skipped test fails the run.
 */
export default class SkipReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const byReason = new Map<string, { tests: number; files: Set<string> }>();
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') continue;
        const reason = result.note ?? REASON.exec(test.fullName)?.[1] ?? 'skipped without a reason';
        const group = byReason.get(reason) ?? { tests: 0, files: new Set<string>() };
        group.tests++;
        group.files.add(module.moduleId.replace(`${process.cwd()}/`, ''));
        byReason.set(reason, group);
      }
    }
    if (byReason.size === 0) return;
    const required = process.env.FLOWTRAIL_REQUIRE_ALL === '1';
    const total = [...byReason.values()].reduce((sum, g) => sum + g.tests, 0);
    const lines = [
      '',
      `${total} test(s) skipped${required ? ', which FLOWTRAIL_REQUIRE_ALL=1 does not allow' : ''}:`,
      ...[...byReason].map(([reason, g]) => `  - ${g.tests} in ${[...g.files].sort().join(', ')}: ${reason}`),
      'README "Development" lists what the full test run needs and the one command that installs it.',
      '',
    ];
    process.stderr.write(lines.join('\n'));
    if (required) process.exitCode = 1;
  }
}
