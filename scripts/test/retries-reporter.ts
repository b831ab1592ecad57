// Says which tests passed only when tried again, and why their first try failed. A retry (the
// fleet project's, and `npm test`'s browser runs') keeps a run green through one timing flake on a
// loaded machine; this keeps the flake visible, which vitest's default reporter does not.
import { relative } from 'node:path';
import type { Reporter, TestCase } from 'vitest/node';

export default class RetriedTests implements Reporter {
  readonly #lines: string[] = [];

  onTestCaseResult(test: TestCase): void {
    const retries = test.diagnostic()?.retryCount ?? 0;
    if (retries === 0) return;
    const { state, errors = [] } = test.result();
    const firstError = errors[0]?.message.split('\n')[0] ?? 'no error kept';
    this.#lines.push(`${relative(process.cwd(), test.module.moduleId)} > ${test.fullName}: ${state} after ${retries} ${retries === 1 ? 'retry' : 'retries'}; the first try failed with: ${firstError}`);
  }

  onTestRunEnd(): void {
    if (this.#lines.length) console.log(`\nTried again (${this.#lines.length}):\n${this.#lines.map((l) => `  ${l}`).join('\n')}\n`);
  }
}
