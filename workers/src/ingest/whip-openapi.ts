// The WHIP endpoint in the OpenAPI document. It is a plain hono router (SDP bodies, the stream
// key as credential), so its paths are registered here by hand.
import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { ErrorBody } from '@roomcast/schema/api';

const sdp = (description: string) => ({ description, content: { 'application/sdp': { schema: z.string() } } });
const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });
const SessionParams = z.object({ room: z.string(), session: z.string() });

export function documentWhip(registry: OpenAPIHono['openAPIRegistry']): void {
  registry.registerComponent('securitySchemes', 'streamKey', { type: 'http', scheme: 'bearer', description: "The room's stream key (`rcs_...`)" });
  registry.registerPath({
    method: 'post',
    path: '/ingest/whip',
    tags: ['ingest'],
    summary: 'WHIP (RFC 9725): publish an encoder into the room its stream key belongs to',
    description: 'At most one audio and one video track (Opus; VP8 or H.264 packetization-mode 1; simulcast by rid). The room goes live if it was not; a newer session replaces an older one.',
    security: [{ streamKey: [] }],
    request: { body: { required: true, content: { 'application/sdp': { schema: z.string().describe('The SDP offer') } } } },
    responses: {
      201: {
        ...sdp('The SDP answer'),
        headers: z.object({
          Location: z.string().describe('The session URL (DELETE ends it, PATCH trickles or restarts ICE)'),
          ETag: z.string(),
          Link: z.string().optional().describe('TURN servers: <turn:...>; rel="ice-server"; username=...; credential=...'),
        }),
      },
      400: error('Malformed SDP'),
      401: error('Missing or wrong stream key'),
      403: error('The plan has no API access, or the trial has ended'),
      406: error('More than one audio or video track, or no codec the room forwards'),
      415: error('Not application/sdp'),
      503: error('Too many offers for the room, or no media node ready; see Retry-After'),
    },
  });
  registry.registerPath({
    method: 'patch',
    path: '/ingest/whip/{room}/{session}',
    tags: ['ingest'],
    summary: 'Trickle ICE candidates (204) or restart ICE with new credentials and If-Match: "*" (200)',
    request: { params: SessionParams, body: { required: true, content: { 'application/trickle-ice-sdpfrag': { schema: z.string() } } } },
    responses: {
      200: { description: "The node's new ICE credentials", content: { 'application/trickle-ice-sdpfrag': { schema: z.string() } } },
      204: { description: 'Candidates taken' },
      404: error('No such session'),
      412: error('If-Match is not the current ETag'),
      428: error('An ICE restart without If-Match: "*"'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/ingest/whip/{room}/{session}',
    tags: ['ingest'],
    summary: 'End the WHIP session; its producers close for viewers',
    request: { params: SessionParams },
    responses: { 200: { description: 'Ended' }, 404: error('No such session') },
  });
}
