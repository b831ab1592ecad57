// The embeddable player: /embed/{roomId}, for an <iframe>. Video, unmute and state; no chrome.
// Anonymous visitors of a public room join as guests (`?name=` names them, default "Guest").
import { Title } from '@solidjs/meta';
import { createAsync, useParams, useSearchParams, type RouteDefinition } from '@solidjs/router';
import { clientOnly } from '@solidjs/start';
import { createEffect, Show } from 'solid-js';
import { isServer } from 'solid-js/web';
import { automaticGuestName, autoJoinRequest } from '~/room/auto-join';
import { startJoin } from '~/room/early-join';
import { EarlySocket } from '~/room/early-socket';
import { getRoomPage } from '~/room/queries';

// Browser-only (WebRTC, WebSocket, devices): rendered on the client; the server sends the shell.
// Its code starts loading as soon as this route module runs, not after hydration.
const loadViewerRoom = import.meta.env.SSR ? undefined : import('~/room/ui/ViewerRoom');
const ViewerRoom = clientOnly(() => (loadViewerRoom ?? import('~/room/ui/ViewerRoom')).then((m) => ({ default: m.ViewerRoom })));

export const route = {
  // The page comes with the visitor's room token when they join without asking (room.server.ts);
  // not for a link hovered elsewhere (intent "preload"): that visitor may never open the room.
  preload: ({ params, location, intent }) =>
    intent === 'preload' ? getRoomPage({ roomId: params.roomId! }) : getRoomPage({ roomId: params.roomId! }, autoJoinRequest(location.query.name, true)),
} satisfies RouteDefinition;

export default function EmbedPage() {
  const params = useParams();
  const [search] = useSearchParams();
  const page = createAsync(() => getRoomPage({ roomId: params.roomId! }, autoJoinRequest(search.name, true)));
  // Hand the room token to the room UI: fetched with the page, or asked for now (see early-join.ts).
  createEffect(() => {
    const p = page();
    if (isServer || !p?.room) return;
    performance.mark('room:hydrated');
    const auto = automaticGuestName(Boolean(p.viewer), search.name, true);
    if (auto.join) startJoin(p.room, auto.guestName, p.join);
  });
  return (
    <main class="h-screen w-screen bg-black">
      <Show when={page()}>
        {(p) => (
          <Show when={p().room} fallback={<p class="p-4 text-center text-white">This room is not available.</p>}>
            {(room) => (
              <>
                <Title>{room().title}</Title>
                <EarlySocket join={p().join} />
                <ViewerRoom fallback={<p class="p-4 text-center text-white">Loading…</p>} room={room()} signedInName={p().viewer?.name ?? null} embedded />
              </>
            )}
          </Show>
        )}
      </Show>
    </main>
  );
}
