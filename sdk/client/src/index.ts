// @roomcast/client: the browser SDK, and the web app's own room code (web/src/room uses it).
//
//   const room = new RoomClient({ credentials }).connect();   // credentials: what the API's join/start returns
//   await room.ready();
//   await room.publishSource('camera');                        // 3-layer VP8 simulcast
//   room.on('chat.message', (m) => console.log(m.author.name, m.text));
//   room.subscribe((state) => render(state.media.remote));     // tracks to attach to <video>/<audio>
//
// Layout: signaling.ts (the socket: hello/resume, heartbeat, reconnect, validated frames, requests),
// media-session.ts (mediasoup-client: transports, producers, consumers, layers, rebuilds),
// room-client.ts (both together, plus the room state a UI renders), capture.ts (getUserMedia).
export { RoomClient, type RoomClientOptions, type RoomPhase, type RoomViewState, type Self } from './room-client';
export { CAMERA_ENCODINGS, MediaSession, spatialLayerFor, unavailableText, type MediaSnapshot, type RemoteMedia } from './media-session';
export {
  RequestError,
  SignalingClient,
  signalingUrlOf,
  type ClosedInfo,
  type ConnectionState,
  type EarlyRequest,
  type IceServerInit,
  type RoomCredentials,
} from './signaling';
export { captureTrack, type CaptureOptions } from './capture';
export type { Alert, ChatMessage, MediaSource, Participant, RoomState, ServerMessage, ServerMessageOf } from '@roomcast/schema/protocol';
