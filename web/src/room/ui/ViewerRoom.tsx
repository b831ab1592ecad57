// The viewer's page body, shared by `/r/{org}/{room}` and the embeddable player: join (as a
// member, or as a named guest of a public room), wait while the room is not live, then the player
// and (unless embedded) the room's panels.
import { useSearchParams } from '@solidjs/router';
import { createSignal, onCleanup, onMount, Show } from 'solid-js';
import { automaticGuestName } from '../auto-join';
import { takeJoin } from '../early-join';
import { joinRoom } from '../queries';
import type { PublicRoom } from '../queries';
import type { RoomCredentials } from '@roomcast/client';
import { Player } from './Player';
import { RoomSidebar } from './RoomSidebar';
import { useRoom } from './use-room';

const NAME_KEY = 'roomcast:name';
const RETRY_MS = 3000;

export function ViewerRoom(props: { room: PublicRoom; signedInName: string | null; embedded?: boolean }) {
  const [params] = useSearchParams();
  const room = useRoom();
  const [needName, setNeedName] = createSignal(false);
  const [name, setName] = createSignal('');
  const [problem, setProblem] = createSignal<string>();
  const [notLive, setNotLive] = createSignal(false);
  /** The room's HLS playlist (with a play token) from the join: the fallback player's source. */
  const [hlsUrl, setHlsUrl] = createSignal<string>();
  const forceHls = () => params.playback === 'hls';
  let retry: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(retry));

  const ids = { organizationId: props.room.organizationId, roomId: props.room.roomId };
  const credentials = async (guestName: string | undefined): Promise<RoomCredentials> => {
    const result = await (takeJoin(ids.roomId, guestName) ?? joinRoom(ids, guestName));
    if (!result.ok) throw Object.assign(new Error(result.message), { code: result.code });
    if (result.credentials.hlsUrl) setHlsUrl(result.credentials.hlsUrl);
    return result.credentials;
  };

  const join = async (guestName: string | undefined) => {
    setProblem(undefined);
    try {
      const creds = await credentials(guestName);
      performance.mark('room:credentials');
      setNotLive(false);
      // A viewer who asked for HLS takes no WebRTC media: that is what HLS spares the media nodes.
      await room.open({ credentials: creds, refresh: () => credentials(guestName), receive: !forceHls() });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'room_not_live') {
        // Public rooms admit guests only while live: check again in a moment.
        setNotLive(true);
        retry = setTimeout(() => void join(guestName), RETRY_MS);
      } else {
        setProblem((error as Error).message);
        if (!props.signedInName) setNeedName(true);
      }
    }
  };

  onMount(() => {
    performance.mark('room:mounted');
    const auto = automaticGuestName(Boolean(props.signedInName), params.name, Boolean(props.embedded));
    if (auto.join) void join(auto.guestName);
    else {
      setName(localStorage.getItem(NAME_KEY) ?? '');
      setNeedName(true);
    }
  });

  const submitName = (event: SubmitEvent) => {
    event.preventDefault();
    const n = name().trim();
    if (!n) return;
    localStorage.setItem(NAME_KEY, n);
    setNeedName(false);
    void join(n);
  };

  return (
    <Show
      when={room.state() && room.client()}
      fallback={
        <div class="flex aspect-video w-full flex-col items-center justify-center gap-3 rounded-lg bg-slate-900 p-6 text-center text-white">
          <h1 class="text-lg font-semibold">{props.room.title}</h1>
          <Show when={needName()} fallback={<p role="status" data-testid="room-phase" data-phase={notLive() ? 'waiting' : 'connecting'}>{notLive() ? 'Waiting for the host to go live' : 'Joining…'}</p>}>
            <form onSubmit={submitName} class="flex w-full max-w-sm flex-col gap-2 sm:flex-row">
              <label for="guest-name" class="sr-only">Your name</label>
              <input
                id="guest-name"
                data-testid="guest-name"
                class="min-w-0 flex-1 rounded-md px-3 py-2 text-slate-900"
                placeholder="Your name"
                maxLength={60}
                required
                value={name()}
                onInput={(e) => setName(e.currentTarget.value)}
              />
              <button type="submit" class="rounded-md bg-indigo-500 px-4 py-2 font-semibold hover:bg-indigo-400">Join</button>
            </form>
          </Show>
          <Show when={problem()}>
            <p role="alert" class="text-sm text-amber-200">{problem()}</p>
          </Show>
        </div>
      }
    >
      <Show
        when={!props.embedded}
        fallback={<Player state={room.state()!} client={room.client()!} title={props.room.title} brand={props.room.brand} hlsUrl={hlsUrl()} forceHls={forceHls()} />}
      >
        <div class="grid gap-4 lg:h-[calc(100vh-6rem)] lg:grid-cols-[minmax(0,1fr)_22rem]">
          <div class="flex flex-col gap-3">
            <Player state={room.state()!} client={room.client()!} title={props.room.title} brand={props.room.brand} hlsUrl={hlsUrl()} forceHls={forceHls()} />
            <p class="text-sm text-slate-600">{room.state()!.participantCount} watching</p>
          </div>
          <RoomSidebar state={room.state()!} client={room.client()!} ids={ids} />
        </div>
      </Show>
    </Show>
  );
}
