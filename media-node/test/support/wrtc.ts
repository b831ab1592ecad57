// libwebrtc for Node (@roamhq/wrtc) installed as the browser globals mediasoup-client expects, so
// a bot is a real WebRTC endpoint: real ICE, DTLS, SRTP, VP8 encoder and decoder.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface Wrtc {
  RTCPeerConnection: unknown;
  nonstandard: {
    RTCVideoSource: new () => { onFrame(frame: { width: number; height: number; data: Uint8ClampedArray }): void; createTrack(): WrtcTrack };
    RTCAudioSource: new () => {
      onData(data: { samples: Int16Array; sampleRate: number; bitsPerSample: number; channelCount: number; numberOfFrames: number }): void;
      createTrack(): WrtcTrack;
    };
    RTCVideoSink: new (track: WrtcTrack) => { onframe: ((e: { frame: { width: number; height: number } }) => void) | null; stop(): void };
  };
}

/** A libwebrtc MediaStreamTrack; mediasoup-client takes it as the DOM type. */
export interface WrtcTrack {
  readonly kind: string;
  stop(): void;
}

let installed: Wrtc | undefined;

export function installWrtcGlobals(): Wrtc {
  if (installed) return installed;
  const wrtc = require('@roamhq/wrtc') as Wrtc & Record<string, unknown>;
  const names = [
    'RTCPeerConnection',
    'RTCSessionDescription',
    'RTCIceCandidate',
    'MediaStream',
    'MediaStreamTrack',
    'RTCRtpSender',
    'RTCRtpReceiver',
    'RTCRtpTransceiver',
  ];
  for (const name of names) (globalThis as Record<string, unknown>)[name] = wrtc[name];
  installed = wrtc;
  return wrtc;
}
