export * from './permissions.ts';
export * from './plans.ts';
