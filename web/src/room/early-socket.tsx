// The room socket opened by the page itself, before any of its JavaScript has loaded: when the
// server fetched the visitor's room token with the page (room.server.ts), it also writes a tiny
// inline script (server-rendered only, never hydrated) that opens the socket and says hello. The
// welcome and the room's media status arrive while the page's code is still downloading and
// starting; SignalingClient adopts that socket and replays what arrived (`adoptEarlySocket` in
// signaling.ts). Renders nothing in the browser.
import { PROTOCOL_VERSION } from '@roomcast/schema/protocol';
import { isServer, NoHydration } from 'solid-js/web';
import type { JoinResult } from './queries';
import { signalingUrlOf } from './signaling';

/** Inline script text: JSON in a <script> must not be able to close the element. */
const scriptSafe = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** `join`: the room token fetched with the page (`RoomPage.join`), if any. */
export function EarlySocket(props: { join: JoinResult | undefined }) {
  const join = props.join;
  if (!isServer || !join?.ok) return null;
  const url = signalingUrlOf(join.credentials);
  const hello = JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: join.credentials.token });
  const code =
    `(function(){try{var u=${scriptSafe(url)},h=${scriptSafe(hello)},ws=new WebSocket(u),` +
    `e=window.__roomcastEarlySocket={url:u,ws:ws,frames:[],adopted:false};` +
    `ws.addEventListener('open',function(){performance.mark('room:socket-open');ws.send(h)});` +
    `ws.addEventListener('message',function(m){if(e.adopted)return;if(!e.frames.length)performance.mark('room:early-welcome');e.frames.push(m.data)})}catch(x){}})();`;
  return (
    <NoHydration>
      <script innerHTML={code} />
    </NoHydration>
  );
}
