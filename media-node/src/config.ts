// The node's configuration: parsed once at start from the environment, validated, then passed
// down explicitly. Nothing else in media-node reads process.env.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

export const engineChoice = z.enum(['auto', 'mediasoup', 'embedded']);
export type EngineChoice = z.infer<typeof engineChoice>;

const configSchema = z
  .object({
    nodeId: z.string().min(1).default(() => `media-${os.hostname()}`),
    region: z.string().min(1).default('local'),
    /** Address that clients are told to send media to (public IP or DNS name). */
    announcedAddress: z.string().min(1).default('127.0.0.1'),
    /** Local address the RTC sockets bind to. */
    listenIp: z.string().min(1).default('0.0.0.0'),
    /** One UDP port per engine worker, taken from this range in order. */
    rtcMinPort: port.default(40000),
    rtcMaxPort: port.default(40999),
    engine: engineChoice.default('auto'),
    workers: z.coerce.number().int().min(1).max(256).default(() => os.availableParallelism()),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /**
     * The HTTP endpoint for Prometheus (/metrics) and the load balancer (/health). Port 0 picks a
     * free one (logged); loopback by default: expose it on a private address only.
     */
    metrics: z.object({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.coerce.number().int().min(0).max(65535).default(9464),
    }),
    /**
     * SIGTERM and the admin drain: how long a draining node keeps serving its rooms before it
     * leaves anyway (the fleet re-places what is left). systemd's TimeoutStopSec must exceed it.
     */
    drainTimeoutSeconds: z.coerce.number().int().min(0).default(1800),
    /**
     * RTMP ingest: encoders push to rtmp://<node>:<port>/live/<stream key> (needs the fleet: the
     * Worker checks keys). Unset: no RTMP listener. Port 0 picks a free one (logged).
     */
    /**
     * A WHIP encoder's transport that is not connected (never was, or lost ICE consent: 30 s
     * without a check) for this long is closed, which ends its session: a vanished encoder must
     * not keep the room live. Browser participants are not timed out here (they ICE-restart).
     */
    ingestDisconnectSeconds: z.coerce.number().min(0.1).max(600).default(15),
    /**
     * A fleet or room socket that carried nothing (not even the answer to a keepalive) for this
     * long is taken for dead: the node redials the fleet, or closes the room (which its RoomDO
     * re-placed after ROOM_NODE_SILENCE_MS already). Both peers answer a keepalive every 1-2 s.
     */
    peerSilenceSeconds: z.coerce.number().min(1).max(600).default(10),
    rtmp: z
      .object({
        host: z.string().min(1).default('0.0.0.0'),
        port: z.coerce.number().int().min(0).max(65535),
        /** A dropped encoder's producers wait this long for a republish with the same key. */
        graceSeconds: z.coerce.number().min(0).max(300).default(10),
        maxConnections: z.coerce.number().int().min(1).default(50),
      })
      .optional(),
    /**
     * The fleet: ws(s) URL of the Worker's /api/v1/fleet/connect and this node's credential (npm run
     * fleet:token). Without a URL the node runs standalone (no rooms are assigned to it).
     */
    fleet: z
      .object({ url: z.string().regex(/^wss?:\/\//, 'must be a ws:// or wss:// URL'), token: z.string().min(1, 'MEDIA_FLEET_TOKEN is required with MEDIA_FLEET_URL') })
      .optional(),
    /**
     * Server recording: where ffmpeg's growing file lives until its parts are in the store, and
     * the size of every multipart part but the last (R2: equal parts, at least 5 MiB).
     */
    recording: z.object({
      dir: z.string().min(1).default(() => path.join(os.tmpdir(), 'roomcast-recordings')),
      partBytes: z.coerce.number().int().min(64 * 1024).default(5 * 1024 * 1024),
    }),
    limits: z.object({
      /** Consumers one worker (core) is offered for; the node's capacity is workers x this. */
      maxConsumersPerWorker: z.coerce.number().int().min(1).default(400),
      maxRoutersPerWorker: z.coerce.number().int().min(1).default(500),
      maxTransportsPerWorker: z.coerce.number().int().min(1).default(2000),
      /** Cap on what one publisher may send, applied as the estimate fed back to it. */
      maxIncomingBitrate: z.coerce.number().int().min(100_000).default(3_000_000),
      initialAvailableOutgoingBitrate: z.coerce.number().int().min(100_000).default(1_000_000),
    }),
  })
  .refine((c) => c.rtcMaxPort >= c.rtcMinPort, { message: 'rtcMaxPort must be >= rtcMinPort' })
  .refine((c) => c.rtcMaxPort - c.rtcMinPort + 1 >= c.workers, {
    message: 'the RTC port range must hold one port per worker',
  });

export type MediaNodeConfig = z.infer<typeof configSchema>;

type Env = Record<string, string | undefined>;

/** Reads MEDIA_* variables. Throws a readable error listing every invalid setting. */
export function loadConfig(env: Env): MediaNodeConfig {
  const raw = {
    nodeId: env.MEDIA_NODE_ID,
    region: env.MEDIA_REGION,
    announcedAddress: env.MEDIA_ANNOUNCED_ADDRESS,
    listenIp: env.MEDIA_LISTEN_IP,
    rtcMinPort: env.MEDIA_RTC_MIN_PORT,
    rtcMaxPort: env.MEDIA_RTC_MAX_PORT,
    engine: env.MEDIA_ENGINE,
    workers: env.MEDIA_WORKERS,
    logLevel: env.MEDIA_LOG_LEVEL,
    metrics: { host: env.MEDIA_METRICS_HOST, port: env.MEDIA_METRICS_PORT },
    drainTimeoutSeconds: env.MEDIA_DRAIN_TIMEOUT_SECONDS,
    ingestDisconnectSeconds: env.MEDIA_INGEST_DISCONNECT_SECONDS,
    peerSilenceSeconds: env.MEDIA_PEER_SILENCE_SECONDS,
    rtmp: env.MEDIA_RTMP_PORT
      ? { host: env.MEDIA_RTMP_HOST, port: env.MEDIA_RTMP_PORT, graceSeconds: env.MEDIA_RTMP_GRACE_SECONDS, maxConnections: env.MEDIA_RTMP_MAX_CONNECTIONS }
      : undefined,
    fleet: env.MEDIA_FLEET_URL ? { url: env.MEDIA_FLEET_URL, token: env.MEDIA_FLEET_TOKEN ?? '' } : undefined,
    recording: { dir: env.MEDIA_RECORDING_DIR, partBytes: env.RECORDING_PART_BYTES },
    limits: {
      maxConsumersPerWorker: env.MEDIA_MAX_CONSUMERS_PER_WORKER,
      maxRoutersPerWorker: env.MEDIA_MAX_ROUTERS_PER_WORKER,
      maxTransportsPerWorker: env.MEDIA_MAX_TRANSPORTS_PER_WORKER,
      maxIncomingBitrate: env.MEDIA_MAX_INCOMING_BITRATE,
      initialAvailableOutgoingBitrate: env.MEDIA_INITIAL_OUTGOING_BITRATE,
    },
  };
  const parsed = configSchema.safeParse(stripUndefined(raw));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new Error(`invalid media-node configuration:\n  ${issues.join('\n  ')}`);
  }
  return parsed.data;
}

// Empty strings count as unset, so `MEDIA_ENGINE=` falls back to the default.
function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === '') continue;
    out[k] = v !== null && typeof v === 'object' ? stripUndefined(v as Record<string, unknown>) : v;
  }
  return out;
}
