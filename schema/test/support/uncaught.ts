// Collects what a Node test process throws or rejects without a handler, so a hostile-input test
// can assert that nothing escaped (vitest would otherwise report it after the file, unattributed).
export function collectUncaught(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const collect = (error: unknown) => errors.push(error);
  process.on('unhandledRejection', collect);
  process.on('uncaughtException', collect);
  return {
    errors,
    stop() {
      process.off('unhandledRejection', collect);
      process.off('uncaughtException', collect);
    },
  };
}
