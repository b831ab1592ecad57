// What scripts/test/global-setup.ts provides to the tests (vitest `inject`).
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    webhookReceiverPort: number;
    /** The local OIDC provider of the SSO tests (scripts/local/oidc-provider.ts). */
    oidc: { issuer: string; clients: { clientId: string; clientSecret: string; redirectUris: string[] }[] };
  }
}
