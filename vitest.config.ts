import { defineConfig } from 'vitest/config';
import { LoadSensitiveLast } from './scripts/test/sequencer.ts';
import { projects } from './vitest.workspace.ts';

// teardownTimeout: how long a finished run waits for handles left open (the e2e stack's pipes)
// before it exits anyway; the default 10 s was spent at the end of every run.
// sequence.sequencer: the load-sensitive browser tests last in their run (scripts/test/sequencer.ts).
// reporters: vitest's own, and one that lists the tests that passed only when tried again.
export default defineConfig({ test: { projects, teardownTimeout: 3_000, sequence: { sequencer: LoadSensitiveLast }, reporters: ['default', './scripts/test/retries-reporter.ts'] } });
