import { defineConfig } from 'vitest/config';
import { projects } from './vitest.workspace.ts';

// teardownTimeout: how long a finished run waits for handles left open (the e2e stack's pipes)
// before it exits anyway; the default 10 s was spent at the end of every run.
export default defineConfig({ test: { projects, teardownTimeout: 3_000 } });
