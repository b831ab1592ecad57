// A studio guest's page: /guest/{roomId}#{invite}. The invite stays in the fragment, so it never
// reaches a server log or a Referer; the page sends it once, to exchange it for a guest token.
import { Title } from '@solidjs/meta';
import { useParams } from '@solidjs/router';
import { clientOnly } from '@solidjs/start';

// Browser-only (devices, WebRTC, WebSocket): rendered on the client; the server sends the shell.
const loadGuestStage = import.meta.env.SSR ? undefined : import('~/room/ui/GuestStage');
const GuestStage = clientOnly(() => (loadGuestStage ?? import('~/room/ui/GuestStage')).then((m) => ({ default: m.GuestStage })));

export default function GuestPage() {
  const params = useParams();
  return (
    <main class="mx-auto max-w-7xl p-3 sm:p-4">
      <Title>Studio guest · Roomcast</Title>
      <GuestStage fallback={<p class="p-6 text-center text-slate-500">Loading the studio…</p>} roomId={params.roomId!} />
    </main>
  );
}
