// Solid glue for RoomClient: one client per page, its state as a signal, a clean leave on unmount.
// The client (mediasoup-client, WebSocket) is loaded in the browser only.
import { createSignal, onCleanup, type Accessor } from 'solid-js';
import type { RoomClient, RoomClientOptions, RoomViewState } from '@roomcast/client';

export interface RoomConnection {
  state: Accessor<RoomViewState | undefined>;
  client: Accessor<RoomClient | undefined>;
  /** Opens the room with these credentials (once). */
  open(options: RoomClientOptions): Promise<RoomClient>;
}

declare global {
  interface Window {
    /** Test hook: the page's room client, for e2e tests and benchmarks to read state and stats. */
    __roomcast?: { client: RoomClient; state: () => RoomViewState; videoStats: () => Promise<unknown> };
  }
}

/** The room client's code (mediasoup-client, protocol schemas): fetched as soon as a room page mounts. */
let roomClientModule: Promise<typeof import('@roomcast/client')> | undefined;
const loadRoomClient = () => (roomClientModule ??= import('@roomcast/client'));
// In the browser, start as soon as this module runs (it arrives with the room UI's chunk).
if (typeof window !== 'undefined') void loadRoomClient();

export function useRoom(): RoomConnection {
  const [state, setState] = createSignal<RoomViewState>();
  const [client, setClient] = createSignal<RoomClient>();
  let opened: Promise<RoomClient> | undefined;
  onCleanup(() => {
    const c = client();
    if (c && c.state.phase !== 'ended') c.leave();
  });
  return {
    state,
    client,
    open(options) {
      opened ??= (async () => {
        const { RoomClient } = await loadRoomClient();
        const c = new RoomClient(options);
        c.subscribe((s) => setState(() => s));
        setState(() => c.state);
        setClient(() => c);
        window.__roomcast = { client: c, state: () => c.state, videoStats: () => c.videoStats() };
        return c.connect();
      })();
      return opened;
    },
  };
}
