// WHIP's SDP offer/answer (RFC 9725 section 4.2, RFC 8829 rules) translated to and from the
// engine's mediasoup-shaped objects: the offer becomes DTLS parameters plus one `transport.produce`
// per track; the node's transport (ICE-lite, DTLS server) becomes the answer. The studio keeps
// using mediasoup-client; this is the same publish, described in SDP instead.
import type { DtlsParameters, IceCandidate, IceParameters, MediaKind, RtpCapabilities, RtpParameters } from '@roomcast/schema/protocol';

/** The offer cannot be answered; `status` is what WHIP answers (400 malformed, 406 not acceptable). */
export class SdpError extends Error {
  constructor(
    readonly status: 400 | 406,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface MediaSection {
  kind: string;
  port: number;
  protocol: string;
  formats: string[];
  lines: string[];
}

interface ParsedSdp {
  session: string[];
  media: MediaSection[];
}

/** Offers larger than this are refused before parsing (a browser's offer is 4-8 KB). */
export const MAX_OFFER_BYTES = 32 * 1024;

export function parseSdp(text: string): ParsedSdp {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== 'v=0') throw new SdpError(400, 'invalid_sdp', 'An SDP offer starts with v=0');
  const parsed: ParsedSdp = { session: [], media: [] };
  for (const line of lines) {
    if (!/^[a-z]=/.test(line)) throw new SdpError(400, 'invalid_sdp', `Malformed SDP line: ${line.slice(0, 40)}`);
    if (line.startsWith('m=')) {
      const [kind, port, protocol, ...formats] = line.slice(2).split(' ');
      if (!kind || !port || !protocol || !/^\d+$/.test(port)) throw new SdpError(400, 'invalid_sdp', 'Malformed m= line');
      parsed.media.push({ kind, port: Number(port), protocol, formats, lines: [] });
    } else {
      (parsed.media.at(-1)?.lines ?? parsed.session).push(line);
    }
  }
  if (parsed.media.length === 0) throw new SdpError(400, 'invalid_sdp', 'The offer has no media sections');
  return parsed;
}

const attrs = (lines: string[], name: string): string[] =>
  lines.filter((l) => l.startsWith(`a=${name}:`) || l === `a=${name}`).map((l) => l.slice(name.length + 3));
const attr = (section: MediaSection | undefined, session: string[], name: string): string | undefined =>
  (section ? attrs(section.lines, name)[0] : undefined) ?? attrs(session, name)[0];

export interface OfferTrack {
  /** Index of the offer's m-section. */
  index: number;
  mid: string;
  kind: MediaKind;
  rtpParameters: RtpParameters;
  /** The rids of simulcast layers (OBS and browsers with simulcast), lowest first as offered. */
  rids: string[];
}

export interface WhipOffer {
  sdp: ParsedSdp;
  dtlsParameters: DtlsParameters;
  iceUfrag: string;
  tracks: OfferTrack[];
}

type RouterCodec = NonNullable<RtpCapabilities['codecs']>[number] & {
  preferredPayloadType?: number;
  channels?: number;
  parameters?: Record<string, unknown>;
  rtcpFeedback?: { type: string; parameter?: string }[];
};

/**
 * Checks what can be checked without the room's router: the SDP's shape, one audio and one video
 * track at most, ICE and DTLS attributes, BUNDLE mids. The Worker runs it before the room goes
 * live, so a broken encoder never opens a session.
 */
export function checkWhipOffer(text: string): void {
  readWhipOffer(text, undefined);
}

/** Reads the offer and picks, per track, the first offered codec the room's router supports. */
export function readWhipOffer(text: string, router: RtpCapabilities | undefined): WhipOffer {
  const sdp = parseSdp(text);
  const sending = sdp.media.filter((m) => m.port !== 0 && !attrs(m.lines, 'inactive').length && !attrs(m.lines, 'recvonly').length);
  for (const kind of ['audio', 'video'] as const) {
    if (sending.filter((m) => m.kind === kind).length > 1) {
      throw new SdpError(406, 'too_many_tracks', `At most one ${kind} track may be published over WHIP`);
    }
  }
  const fingerprint = attr(sdp.media[0], sdp.session, 'fingerprint');
  const iceUfrag = attr(sdp.media[0], sdp.session, 'ice-ufrag');
  if (!fingerprint || !iceUfrag || !attr(sdp.media[0], sdp.session, 'ice-pwd')) {
    throw new SdpError(400, 'invalid_sdp', 'The offer needs ice-ufrag, ice-pwd and a DTLS fingerprint');
  }
  const [algorithm, value] = fingerprint.split(' ');
  if (!algorithm || !value) throw new SdpError(400, 'invalid_sdp', 'Malformed fingerprint');
  const setup = attr(sdp.media[0], sdp.session, 'setup') ?? 'actpass';
  // We answer passive (the node is the DTLS server) unless the client insists on being it.
  const role = setup === 'passive' ? 'server' : 'client';

  const tracks: OfferTrack[] = [];
  sdp.media.forEach((m, index) => {
    if (!sending.includes(m) || (m.kind !== 'audio' && m.kind !== 'video')) return;
    if (!m.protocol.includes('SAVPF')) throw new SdpError(406, 'unsupported_transport', `m=${m.kind} must use UDP/TLS/RTP/SAVPF`);
    const mid = attr(m, [], 'mid');
    if (!mid) throw new SdpError(400, 'invalid_sdp', 'Every media section needs a=mid (BUNDLE)');
    tracks.push(readTrack(m, index, mid, m.kind, sdp.session, router));
  });
  if (tracks.length === 0) throw new SdpError(406, 'no_tracks', 'The offer sends no audio or video');
  return { sdp, dtlsParameters: { role, fingerprints: [{ algorithm, value }] }, iceUfrag, tracks };
}

function readTrack(m: MediaSection, index: number, mid: string, kind: MediaKind, session: string[], router: RtpCapabilities | undefined): OfferTrack {
  const rtpmap = new Map<number, { name: string; clockRate: number; channels?: number }>();
  for (const a of attrs(m.lines, 'rtpmap')) {
    const match = /^(\d+) ([^/]+)\/(\d+)(?:\/(\d+))?/.exec(a);
    if (match) rtpmap.set(Number(match[1]), { name: match[2]!, clockRate: Number(match[3]), ...(match[4] ? { channels: Number(match[4]) } : {}) });
  }
  const fmtp = new Map<number, Record<string, string | number>>();
  for (const a of attrs(m.lines, 'fmtp')) {
    const space = a.indexOf(' ');
    const params: Record<string, string | number> = {};
    for (const pair of a.slice(space + 1).split(';')) {
      const [k, v] = pair.trim().split('=');
      if (k && v !== undefined) params[k] = /^\d+$/.test(v) ? Number(v) : v;
    }
    fmtp.set(Number(a.slice(0, space)), params);
  }
  const feedback = (pt: number) =>
    attrs(m.lines, 'rtcp-fb')
      .map((a) => a.split(' '))
      .filter(([p]) => p === String(pt) || p === '*')
      .map(([, type, parameter]) => ({ type: type!, ...(parameter ? { parameter } : {}) }));

  // Without the router (the Worker's early check), any offered codec stands in.
  const routerCodecs = router
    ? ((router.codecs ?? []).filter((c) => c.kind === kind) as RouterCodec[])
    : [...rtpmap.values()].map((c) => ({ kind, mimeType: `${kind}/${c.name}`, clockRate: c.clockRate, ...(c.channels ? { channels: c.channels } : {}) }));
  let chosen: { pt: number; router: RouterCodec } | undefined;
  for (const format of m.formats) {
    const pt = Number(format);
    const codec = rtpmap.get(pt);
    if (!codec) continue;
    const params = fmtp.get(pt) ?? {};
    const match = router ? routerCodecs.find((r) => codecMatches(r, `${kind}/${codec.name}`, codec.clockRate, codec.channels, params)) : routerCodecs.find((r) => r.mimeType === `${kind}/${codec.name}`);
    if (match) {
      chosen = { pt, router: match };
      break;
    }
  }
  if (!chosen) {
    const names = routerCodecs.map((c) => c.mimeType).join(', ');
    throw new SdpError(406, 'unsupported_codec', `No offered ${kind} codec is supported; use one of ${names}`);
  }
  const { pt } = chosen;
  const codec = rtpmap.get(pt)!;
  const wanted = new Set((chosen.router.rtcpFeedback ?? []).map((f) => `${f.type} ${f.parameter ?? ''}`));
  const codecParameters: RtpParameters['codecs'][number] = {
    mimeType: chosen.router.mimeType,
    payloadType: pt,
    clockRate: codec.clockRate,
    ...(codec.channels ? { channels: codec.channels } : {}),
    parameters: fmtp.get(pt) ?? {},
    rtcpFeedback: feedback(pt).filter((f) => wanted.has(`${f.type} ${f.parameter ?? ''}`)),
  };

  const supportedUris = new Set((router?.headerExtensions ?? []).filter((e) => (e as { kind?: string }).kind === kind).map((e) => e.uri));
  const headerExtensions = attrs(m.lines, 'extmap')
    .map((a) => /^(\d+)(?:\/\w+)? (\S+)/.exec(a))
    .filter((x): x is RegExpExecArray => x !== null && supportedUris.has(x[2]!))
    .map((x) => ({ uri: x[2]!, id: Number(x[1]), encrypt: false, parameters: {} }));

  // Simulcast by rid (a=rid:<id> send + a=simulcast:send), otherwise the media SSRC (the first
  // SSRC that is not the retransmission half of an FID group; RTX is not negotiated here).
  const rids = attrs(m.lines, 'rid')
    .map((a) => a.split(' '))
    .filter(([, direction]) => direction === 'send')
    .map(([rid]) => rid!);
  const rtxSsrcs = new Set(attrs(m.lines, 'ssrc-group').filter((g) => g.startsWith('FID ')).map((g) => Number(g.split(' ')[2])));
  const ssrcLines = attrs(m.lines, 'ssrc').map((a) => /^(\d+) (\S+?)(?::(.*))?$/.exec(a)).filter((x): x is RegExpExecArray => x !== null);
  const mediaSsrc = ssrcLines.map((x) => Number(x[1])).find((s) => !rtxSsrcs.has(s));
  const cname = ssrcLines.find((x) => x[2] === 'cname')?.[3];
  const encodings = rids.length > 0 ? rids.map((rid) => ({ rid })) : mediaSsrc !== undefined ? [{ ssrc: mediaSsrc }] : [{}];
  if (router && rids.length > 0 && !headerExtensions.some((e) => e.uri.endsWith('rtp-stream-id'))) {
    throw new SdpError(406, 'unsupported_simulcast', 'Simulcast needs the rtp-stream-id header extension');
  }
  void session;
  return {
    index,
    mid,
    kind,
    rids,
    rtpParameters: { mid, codecs: [codecParameters], headerExtensions, encodings, rtcp: { ...(cname ? { cname } : {}), reducedSize: true } },
  };
}

function codecMatches(router: RouterCodec, mimeType: string, clockRate: number, channels: number | undefined, params: Record<string, string | number>): boolean {
  if (router.mimeType.toLowerCase() !== mimeType.toLowerCase() || router.clockRate !== clockRate) return false;
  if (mimeType.toLowerCase() === 'audio/opus') return (channels ?? 1) === (router.channels ?? 2);
  if (mimeType.toLowerCase() === 'video/h264') {
    const rp = router.parameters ?? {};
    if (String(params['packetization-mode'] ?? 0) !== String(rp['packetization-mode'] ?? 0)) return false;
    // Same profile: profile_idc, and for baseline the constrained-baseline flag (RFC 6184 table 5).
    return sameH264Profile(String(params['profile-level-id'] ?? '42001f'), String(rp['profile-level-id'] ?? '42001f'));
  }
  return true;
}

function sameH264Profile(a: string, b: string): boolean {
  const profile = (id: string) => {
    const idc = id.slice(0, 2).toLowerCase();
    const iop = parseInt(id.slice(2, 4), 16);
    // constrained baseline: 42 with constraint_set1 (0x40), or 4d/58 with the matching flags.
    if ((idc === '42' || idc === '4d' || idc === '58') && (iop & 0x40) !== 0) return 'constrained-baseline';
    return idc;
  };
  return profile(a) === profile(b);
}

export interface AnswerTransport {
  iceParameters: IceParameters;
  iceCandidates: IceCandidate[];
  dtlsParameters: DtlsParameters;
}

/** The SDP answer: every offered section answered in order; unused ones rejected with port 0. */
export function buildWhipAnswer(offer: WhipOffer, transport: AnswerTransport, sessionId: string): string {
  const fingerprint = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256') ?? transport.dtlsParameters.fingerprints[0]!;
  const setup = offer.dtlsParameters.role === 'server' ? 'active' : 'passive';
  const mids = offer.tracks.map((t) => t.mid);
  const out = [
    'v=0',
    `o=roomcast ${sessionId.replace(/\D/g, '').slice(0, 15) || '1'} 2 IN IP4 0.0.0.0`,
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mids.join(' ')}`,
    'a=ice-lite',
    'a=msid-semantic: WMS *',
  ];
  offer.sdp.media.forEach((m, index) => {
    const track = offer.tracks.find((t) => t.index === index);
    const mid = attr(m, [], 'mid');
    if (!track) {
      out.push(`m=${m.kind} 0 ${m.protocol} ${m.formats.join(' ')}`, 'c=IN IP4 0.0.0.0', ...(mid ? [`a=mid:${mid}`] : []), 'a=inactive');
      return;
    }
    const codec = track.rtpParameters.codecs[0]! as RtpParameters['codecs'][number] & {
      channels?: number;
      parameters?: Record<string, unknown>;
      rtcpFeedback?: { type: string; parameter?: string }[];
    };
    const pt = codec.payloadType;
    out.push(
      `m=${m.kind} 9 UDP/TLS/RTP/SAVPF ${pt}`,
      'c=IN IP4 0.0.0.0',
      'a=rtcp:9 IN IP4 0.0.0.0',
      `a=ice-ufrag:${transport.iceParameters.usernameFragment}`,
      `a=ice-pwd:${transport.iceParameters.password}`,
      'a=ice-options:trickle',
      `a=fingerprint:${fingerprint.algorithm} ${fingerprint.value}`,
      `a=setup:${setup}`,
      `a=mid:${track.mid}`,
      'a=recvonly',
      'a=rtcp-mux',
      'a=rtcp-rsize',
      `a=rtpmap:${pt} ${codec.mimeType.split('/')[1]}/${codec.clockRate}${codec.channels ? `/${codec.channels}` : ''}`,
    );
    const params = Object.entries(codec.parameters ?? {});
    if (params.length > 0) out.push(`a=fmtp:${pt} ${params.map(([k, v]) => `${k}=${String(v)}`).join(';')}`);
    for (const f of codec.rtcpFeedback ?? []) out.push(`a=rtcp-fb:${pt} ${f.type}${f.parameter ? ` ${f.parameter}` : ''}`);
    for (const e of track.rtpParameters.headerExtensions ?? []) out.push(`a=extmap:${e.id} ${e.uri}`);
    if (track.rids.length > 0) {
      for (const rid of track.rids) out.push(`a=rid:${rid} recv`);
      out.push(`a=simulcast:recv ${track.rids.join(';')}`);
    }
    for (const c of transport.iceCandidates) out.push(candidateLine(c));
    out.push('a=end-of-candidates');
  });
  return out.join('\r\n') + '\r\n';
}

function candidateLine(c: IceCandidate): string {
  const address = c.address ?? c.ip ?? '0.0.0.0';
  const tcp = c.protocol === 'tcp' ? ` tcptype ${String((c as { tcpType?: string }).tcpType ?? 'passive')}` : '';
  return `a=candidate:${c.foundation} 1 ${c.protocol} ${c.priority} ${address} ${c.port} typ ${c.type}${tcp}`;
}

/** RFC 8840 trickle-ice-sdpfrag body: ICE credentials (a restart when they changed) and candidates. */
export function readSdpFragment(text: string): { iceUfrag: string | undefined; icePwd: string | undefined; candidates: string[] } {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  for (const line of lines) {
    if (!/^[a-z]=/.test(line)) throw new SdpError(400, 'invalid_sdpfrag', `Malformed SDP fragment line: ${line.slice(0, 40)}`);
  }
  return {
    iceUfrag: attrs(lines, 'ice-ufrag')[0],
    icePwd: attrs(lines, 'ice-pwd')[0],
    candidates: attrs(lines, 'candidate'),
  };
}

/** The answer fragment to an ICE restart: our new credentials (RFC 9725 section 4.4.2). */
export function restartFragment(iceParameters: IceParameters, mids: string[]): string {
  const out = [`a=ice-lite`, `a=ice-ufrag:${iceParameters.usernameFragment}`, `a=ice-pwd:${iceParameters.password}`];
  for (const mid of mids) out.push(`a=mid:${mid}`);
  return out.join('\r\n') + '\r\n';
}
