// Runs after every workers test file. The test pool reaches a Durable Object's code through the
// file's module runner, so a socket close or an alarm landing while the runner shuts down fails
// the run ("Closing rpc while "resolve" was pending") though every test passed. Tests leave room
// and node sockets open, so each file ends by stopping every object and clearing its alarm.
import { env } from 'cloudflare:workers';
import type { Env } from '../../src/env.ts';
import { abortAllDurableObjects, listDurableObjectIds, runInDurableObject } from 'cloudflare:test';
import { afterAll } from 'vitest';

afterAll(async () => {
  await abortAllDurableObjects();
  const { ROOM, FLEET, WEBHOOKS, ROOM_SHARD } = env as unknown as Env;
  for (const namespace of [ROOM, FLEET, WEBHOOKS, ROOM_SHARD] as DurableObjectNamespace[]) {
    for (const id of await listDurableObjectIds(namespace)) {
      await runInDurableObject(namespace.get(id), (_object, state) => state.storage.deleteAlarm());
    }
  }
  await abortAllDurableObjects();
}, 60_000);
