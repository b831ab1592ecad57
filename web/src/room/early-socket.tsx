// The room socket opened by the page itself, before any of its JavaScript has loaded: when the
// server fetched the visitor's room token with the page (room.server.ts), it also writes a tiny
// inline script (server-rendered only, never hydrated) that opens the socket, says hello and, once
// the room says media is ready, sends the media session's first requests. The welcome and those
// answers arrive while the page's code is still downloading and starting; SignalingClient adopts
// that socket, replays what arrived and hands the answers to the first matching `request`
// (`adoptEarlySocket` in @roomcast/client's signaling.ts). Renders nothing in the browser.
import { PROTOCOL_VERSION } from '@roomcast/schema/protocol';
import { isServer, NoHydration } from 'solid-js/web';
import type { JoinResult } from './queries';
import { signalingUrlOf, type EarlyRequest } from '@roomcast/client/signaling';

/**
 * What a viewer's media session asks first (@roomcast/client's media-session.ts `#build`): sent by the early script as
 * soon as the room says media is ready, so the answers are usually there when the page's code runs.
 */
const EARLY_MEDIA_REQUESTS: EarlyRequest[] = [
  { id: 'early-1', method: 'media.capabilities', data: {} },
  { id: 'early-2', method: 'media.createTransport', data: { direction: 'recv' } },
];

/** Inline script text: JSON in a <script> must not be able to close the element. */
const scriptSafe = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** `join`: the room token fetched with the page (`RoomPage.join`), if any. */
export function EarlySocket(props: { join: JoinResult | undefined }) {
  const join = props.join;
  if (!isServer || !join?.ok) return null;
  const url = signalingUrlOf(join.credentials);
  const hello = JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: join.credentials.token });
  const requests = EARLY_MEDIA_REQUESTS.map((r) => ({ ...r, frame: JSON.stringify({ type: 'request', id: r.id, method: r.method, data: r.data }) }));
  const code =
    `(function(){try{var u=${scriptSafe(url)},h=${scriptSafe(hello)},q=${scriptSafe(requests)},ws=new WebSocket(u),` +
    `e=window.__roomcastEarlySocket={url:u,ws:ws,frames:[],sent:[],adopted:false};` +
    `ws.addEventListener('open',function(){performance.mark('room:socket-open');ws.send(h)});` +
    `ws.addEventListener('message',function(m){if(e.adopted)return;if(!e.frames.length)performance.mark('room:early-welcome');e.frames.push(m.data);` +
    `if(!e.sent.length&&m.data.indexOf('"media.status"')>0){var f=JSON.parse(m.data);if(f.type==='media.status'&&f.state==='ready')` +
    `for(var i=0;i<q.length;i++){ws.send(q[i].frame);e.sent.push(q[i])}}})}catch(x){}})();`;
  return (
    <NoHydration>
      <script innerHTML={code} />
    </NoHydration>
  );
}
