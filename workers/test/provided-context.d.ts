// What scripts/test/global-setup.ts provides to the tests (vitest `inject`).
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    webhookReceiverPort: number;
  }
}
