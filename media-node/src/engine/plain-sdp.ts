// The SDP a plain-RTP reader (ffmpeg, GStreamer) needs to receive consumers sent to it over plain
// transports: one m-line per consumer, at the port that consumer's transport sends to. Engine
// independent: it reads only the consumer's RTP parameters, as mediasoup's recording examples do.
import type { MediaKind, RtpParameters } from './rtp-parameters.ts';

export interface PlainSdpStream {
  kind: MediaKind;
  rtpParameters: RtpParameters;
  /** Where the reader listens for this stream's RTP (and RTCP, on port + 1 unless rtcpPort says). */
  port: number;
  rtcpPort?: number;
}

/** Codec parameters as an fmtp value, in a stable order. */
function fmtp(parameters: Record<string, unknown> | undefined): string | undefined {
  const entries = Object.entries(parameters ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== '');
  if (entries.length === 0) return undefined;
  return entries
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(';');
}

export function plainSdp(address: string, streams: PlainSdpStream[], sessionName = 'roomcast'): string {
  const family = address.includes(':') ? 'IP6' : 'IP4';
  const lines = ['v=0', `o=- 0 0 IN ${family} ${address}`, `s=${sessionName}`, `c=IN ${family} ${address}`, 't=0 0'];
  for (const stream of streams) {
    const codec = stream.rtpParameters.codecs[0];
    if (!codec) throw new Error(`a ${stream.kind} stream without a codec`);
    const [, name] = codec.mimeType.split('/');
    const channels = stream.kind === 'audio' && (codec.channels ?? 1) > 1 ? `/${codec.channels}` : '';
    lines.push(`m=${stream.kind} ${stream.port} RTP/AVP ${codec.payloadType}`);
    if (stream.rtcpPort !== undefined && stream.rtcpPort !== stream.port + 1) lines.push(`a=rtcp:${stream.rtcpPort}`);
    lines.push(`a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${channels}`);
    const f = fmtp(codec.parameters);
    if (f) lines.push(`a=fmtp:${codec.payloadType} ${f}`);
    for (const ext of stream.rtpParameters.headerExtensions ?? []) lines.push(`a=extmap:${ext.id} ${ext.uri}`);
    lines.push('a=recvonly');
  }
  return `${lines.join('\r\n')}\r\n`;
}
