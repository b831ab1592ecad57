// Viewers per room is enforced by the RoomDO at admission from the effective plan, which it caches
// for ROOM_PLAN_CACHE_SECONDS (1 s in this project): a plan change made by a Stripe webhook reaches
// a live room within that time. A downgrade admits no one new but removes no one.
import { describe, expect, it } from 'vitest';
import { signUp } from './api-client.ts';
import { deliver, nowSeconds, PRICE, subscribe, subscriptionEvent } from './billing-helpers.ts';
import { join, liveRoom, type Joined } from './room-client.ts';
import { waitFor } from '../../schema/test/support/wait.ts';

type Room = Awaited<ReturnType<typeof liveRoom>>;

/** One viewer's join: admitted (kept in `viewers`) or refused with the room's message. */
async function tryJoin(room: Room, viewers: Joined[]): Promise<string | undefined> {
  try {
    viewers.push(await join(room));
    return undefined;
  } catch (error) {
    return String(error);
  }
}

describe('Viewers per room follow the plan', () => {
  it('an upgrade admits more viewers, a downgrade admits none beyond the limit and keeps everyone in', async () => {
    const owner = await signUp('viewers');
    const t0 = nowSeconds() - 60;
    const { customer, subscription } = await subscribe(owner, 'professional', t0);
    // Starter's 50 first: downgrade, then fill the room.
    await deliver(subscriptionEvent('customer.subscription.updated', { customer, subscription, price: PRICE.starter, created: t0 + 10 }));
    const room = await liveRoom(owner);
    const viewers: Joined[] = [];
    for (let batch = 0; batch < 5; batch++) viewers.push(...(await Promise.all(Array.from({ length: 10 }, () => join(room)))));
    expect(await tryJoin(room, viewers)).toMatch(/Starter plan allows 50 viewers per room/);

    // The room re-reads the plan within ROOM_PLAN_CACHE_SECONDS: until then a join is refused.
    await deliver(subscriptionEvent('customer.subscription.updated', { customer, subscription, price: PRICE.professional, created: t0 + 20 }));
    await waitFor('the upgrade reaches the room', async () => ((await tryJoin(room, viewers)) === undefined ? true : undefined));
    expect(await tryJoin(room, viewers)).toBeUndefined();
    expect(viewers).toHaveLength(52);

    // Until the downgrade reaches the room a join may still be admitted; each one is counted.
    await deliver(subscriptionEvent('customer.subscription.updated', { customer, subscription, price: PRICE.starter, created: t0 + 30 }));
    const refusal = await waitFor('the downgrade reaches the room', () => tryJoin(room, viewers));
    expect(refusal).toMatch(/Starter plan allows 50 viewers per room/);
    // Nobody was removed: every admitted viewer is still in the room.
    const host = await join(room, { role: 'host' });
    expect(host.welcome.participants).toHaveLength(viewers.length + 1);
  });
});
