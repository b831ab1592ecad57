// The host studio: /r/{organization-slug}/{room-slug}/host (signed-in members who may go live).
import { Title } from '@solidjs/meta';
import { createAsync, useParams, type RouteDefinition } from '@solidjs/router';
import { clientOnly } from '@solidjs/start';
import { Show } from 'solid-js';
import { requireMe } from '~/account/session';
import { getRoomPage } from '~/room/queries';

// Browser-only (WebRTC, WebSocket, devices): rendered on the client; the server sends the shell.
// Its code starts loading as soon as this route module runs, not after hydration.
const loadStudio = import.meta.env.SSR ? undefined : import('~/room/ui/Studio');
const Studio = clientOnly(() => (loadStudio ?? import('~/room/ui/Studio')).then((m) => ({ default: m.Studio })));

const path = (p: { orgSlug?: string; roomSlug?: string }) => `/r/${p.orgSlug}/${p.roomSlug}/host`;

export const route = {
  preload: ({ params }) => {
    void requireMe(path(params));
    void getRoomPage({ orgSlug: params.orgSlug!, roomSlug: params.roomSlug! });
  },
} satisfies RouteDefinition;

export default function HostPage() {
  const params = useParams();
  const me = createAsync(() => requireMe(path(params)));
  const page = createAsync(() => getRoomPage({ orgSlug: params.orgSlug!, roomSlug: params.roomSlug! }));
  return (
    <main class="mx-auto max-w-7xl p-3 sm:p-4">
      <Show when={me() && page()}>
        <Show
          when={page()!.room}
          fallback={
            <div class="mx-auto mt-24 max-w-md text-center">
              <h1 class="text-xl font-semibold text-slate-900">Room not found</h1>
              <p class="mt-2 text-slate-600">No such room in an organization you belong to.</p>
            </div>
          }
        >
          {(room) => (
            <>
              <Title>Studio · {room().title} · Roomcast</Title>
              <Studio fallback={<p class="p-6 text-center text-slate-500">Loading the studio…</p>} room={room()} />
            </>
          )}
        </Show>
      </Show>
    </main>
  );
}
