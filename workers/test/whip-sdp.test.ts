// The WHIP offer -> engine RTP parameters translation and the answer built from the node's
// transport (ingest/whip-sdp.ts), on offers shaped like libwebrtc's and OBS's.
import { describe, expect, it } from 'vitest';
import { buildWhipAnswer, readSdpFragment, readWhipOffer, SdpError } from '../src/ingest/whip-sdp.ts';

/** The room router's capabilities as the embedded engine reports them (media-node ROOM_MEDIA_CODECS). */
const ROUTER = {
  codecs: [
    { kind: 'audio' as const, mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: 100, rtcpFeedback: [{ type: 'transport-cc' }] },
    { kind: 'video' as const, mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 101, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] },
    ...['42e01f', '4d0032', '640032'].map((id, i) => ({
      kind: 'video' as const,
      mimeType: 'video/H264',
      clockRate: 90000,
      preferredPayloadType: 102 + i,
      parameters: { 'packetization-mode': 1, 'profile-level-id': id, 'level-asymmetry-allowed': 1 },
      rtcpFeedback: [{ type: 'nack', parameter: 'pli' }],
    })),
  ],
  headerExtensions: [
    { kind: 'audio', uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' },
    { kind: 'video', uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' },
    { kind: 'video', uri: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id' },
  ],
};

const TRANSPORT = {
  iceParameters: { usernameFragment: 'nodeufrag', password: 'nodepassword0123456789', iceLite: true },
  iceCandidates: [
    { foundation: 'udpcandidate', priority: 1076302079, address: '203.0.113.7', protocol: 'udp' as const, port: 40000, type: 'host' },
    { foundation: 'tcpcandidate', priority: 1076276479, address: '203.0.113.7', protocol: 'tcp' as const, port: 40001, type: 'host', tcpType: 'passive' },
  ],
  dtlsParameters: { role: 'auto' as const, fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] },
};

const session = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1', 'a=ice-ufrag:abcd', 'a=ice-pwd:0123456789abcdefghijkl', 'a=fingerprint:sha-256 11:22', 'a=setup:actpass'];

/** OBS 30's WHIP offer: Opus, H.264 high then constrained baseline, three simulcast layers. */
const OBS_SIMULCAST = [
  ...session,
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=sendonly',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=rtpmap:111 opus/48000/2',
  'a=ssrc:11 cname:obs',
  'm=video 9 UDP/TLS/RTP/SAVPF 98 99 96',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=sendonly',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  'a=rtpmap:98 H264/90000',
  'a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f',
  'a=rtcp-fb:98 nack pli',
  'a=rtcp-fb:98 goog-remb',
  'a=rtpmap:99 rtx/90000',
  'a=fmtp:99 apt=98',
  'a=rtpmap:96 H264/90000',
  'a=fmtp:96 packetization-mode=1;profile-level-id=42e01f',
  'a=rid:q send',
  'a=rid:h send',
  'a=rid:f send',
  'a=simulcast:send q;h;f',
].join('\r\n');

describe('WHIP SDP translation', () => {
  it('turns OBS simulcast into rid encodings and answers recv layers with the node’s ICE and DTLS', () => {
    const offer = readWhipOffer(OBS_SIMULCAST, ROUTER);
    expect(offer.dtlsParameters).toEqual({ role: 'client', fingerprints: [{ algorithm: 'sha-256', value: '11:22' }] });
    const [audio, video] = offer.tracks;
    expect(audio!.rtpParameters).toMatchObject({ mid: '0', codecs: [{ mimeType: 'audio/opus', payloadType: 111, channels: 2 }], encodings: [{ ssrc: 11 }], rtcp: { cname: 'obs' } });
    // High profile matches the router's high profile; RTX is not negotiated; only known extensions.
    expect(video!.rtpParameters.codecs).toEqual([expect.objectContaining({ mimeType: 'video/H264', payloadType: 98, rtcpFeedback: [{ type: 'nack', parameter: 'pli' }] })]);
    expect(video!.rtpParameters.encodings).toEqual([{ rid: 'q' }, { rid: 'h' }, { rid: 'f' }]);
    expect(video!.rtpParameters.headerExtensions!.map((e) => e.id)).toEqual([4, 10]);

    const answer = buildWhipAnswer(offer, TRANSPORT, 'session');
    expect(answer).toContain('a=ice-lite');
    expect(answer).toContain('a=setup:passive');
    expect(answer).toContain('a=fingerprint:sha-256 AA:BB');
    expect(answer).toContain('m=video 9 UDP/TLS/RTP/SAVPF 98\r\n');
    expect(answer).toContain('a=simulcast:recv q;h;f');
    expect(answer).toContain('a=rid:f recv');
    expect(answer).toContain('a=candidate:tcpcandidate 1 tcp 1076276479 203.0.113.7 40001 typ host tcptype passive');
    expect(answer).not.toContain('rtx');
    expect(answer.endsWith('\r\n')).toBe(true);
  });

  it('refuses codecs the room cannot forward (406) and malformed offers (400)', () => {
    const g722 = OBS_SIMULCAST.replace('a=rtpmap:111 opus/48000/2', 'a=rtpmap:111 G722/8000');
    expect(() => readWhipOffer(g722, ROUTER)).toThrow(expect.objectContaining({ status: 406, code: 'unsupported_codec' }));
    expect(() => readWhipOffer('v=0\r\nnonsense', ROUTER)).toThrow(SdpError);
    const noMid = OBS_SIMULCAST.replace('a=mid:1\r\n', '');
    expect(() => readWhipOffer(noMid, ROUTER)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('rejects sections it does not take (a data channel) with port 0 in the answer', () => {
    const withData = `${OBS_SIMULCAST}\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\n`;
    const answer = buildWhipAnswer(readWhipOffer(withData, ROUTER), TRANSPORT, 'session');
    expect(answer).toContain('m=application 0 UDP/DTLS/SCTP webrtc-datachannel');
    expect(answer).toContain('a=group:BUNDLE 0 1\r\n');
  });

  it('reads trickle fragments', () => {
    expect(readSdpFragment('a=ice-ufrag:x\r\na=ice-pwd:y\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 1 192.0.2.1 5 typ host\r\n')).toEqual({
      iceUfrag: 'x',
      icePwd: 'y',
      candidates: ['1 1 udp 1 192.0.2.1 5 typ host'],
    });
    expect(() => readSdpFragment('garbage')).toThrow(SdpError);
  });
});
