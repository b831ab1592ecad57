// Viewers per room is enforced by the RoomDO at admission from the effective plan, which it caches
// for ROOM_PLAN_CACHE_SECONDS (1 s in this project): a plan change made by a Stripe webhook reaches
// a live room within that time. A downgrade admits no one new but removes no one.
import { describe, expect, it } from 'vitest';
import { signUp } from './api-client.ts';
import { deliver, nowSeconds, PRICE, subscribe, subscriptionEvent } from './billing-helpers.ts';
import { connect, join, liveRoom, roomToken } from './room-client.ts';

const settle = () => new Promise((r) => setTimeout(r, 1200));

async function refused(room: Awaited<ReturnType<typeof liveRoom>>) {
  const token = await roomToken(room);
  const socket = await connect(room.roomId, token);
  socket.send({ type: 'hello', protocol: 1, token });
  return (await socket.error('room_full')).message;
}

describe('Viewers per room follow the plan', () => {
  it('an upgrade admits more viewers, a downgrade admits none beyond the limit and keeps everyone in', async () => {
    const owner = await signUp('viewers');
    const t0 = nowSeconds() - 60;
    const { customer, subscription } = await subscribe(owner, 'professional', t0);
    // Starter's 50 first: downgrade, then fill the room.
    await deliver(subscriptionEvent('customer.subscription.updated', { customer, subscription, price: PRICE.starter, created: t0 + 10 }));
    const room = await liveRoom(owner);
    const viewers = [];
    for (let batch = 0; batch < 5; batch++) viewers.push(...(await Promise.all(Array.from({ length: 10 }, () => join(room)))));
    expect(await refused(room)).toMatch(/Starter plan allows 50 viewers per room/);

    await deliver(subscriptionEvent('customer.subscription.updated', { customer, subscription, price: PRICE.professional, created: t0 + 20 }));
    await settle();
    viewers.push(await join(room), await join(room));

    await deliver(subscriptionEvent('customer.subscription.updated', { customer, subscription, price: PRICE.starter, created: t0 + 30 }));
    await settle();
    expect(await refused(room)).toMatch(/Starter plan allows 50 viewers per room/);
    // Nobody was removed: the 52 admitted viewers are all still in the room.
    const host = await join(room, { role: 'host' });
    expect(host.welcome.participants).toHaveLength(53);
  });
});
