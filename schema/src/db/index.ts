export * from './tables.ts';
export * from './media-tables.ts';
export * from './integration-tables.ts';
