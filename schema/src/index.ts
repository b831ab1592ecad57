export * from './permissions.ts';
export * from './plans.ts';
export * from './webhook-events.ts';
