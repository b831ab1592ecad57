// Tables of the media features: recordings and uploaded files in object storage, the studio's guest
// links and brand kits, ingest stream keys, multistream destinations. Tenant tables, with the
// row-level security policy of tables.ts.
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, organizationRef, organizations, rooms, roomSessions, tenantPolicy, updatedAt, users, workspaces } from './tables.ts';

// Recordings (workers/src/recordings): one object per recording, written in multipart parts while
// the room is live: by a media node (`server`) or by a host's studio in the browser (`local`,
// MediaRecorder). `partial`: the node was lost mid-recording and the parts it had uploaded were
// joined into a playable file. `hls`: an ended HLS run kept as a VOD (egress/hls-vod.ts): its
// object is the run's playlist, its size every file of the run. Bytes count against plan storage.
export const RECORDING_STATUSES = ['recording', 'finalizing', 'ready', 'partial', 'failed'] as const;
export const RECORDING_SOURCES = ['server', 'local', 'hls'] as const;
export const recordings = pgTable(
  'recordings',
  {
    id: id(),
    organizationId: organizationRef(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    roomSessionId: uuid('room_session_id').references(() => roomSessions.id, { onDelete: 'set null' }),
    status: text('status', { enum: RECORDING_STATUSES }).notNull(),
    /** Who writes the parts: the room's media node, a host's browser (local recording), or an HLS run. */
    source: text('source', { enum: RECORDING_SOURCES }).notNull().default('server'),
    objectKey: text('object_key'),
    posterKey: text('poster_key'),
    /** The open multipart upload while recording; null once completed or aborted. */
    uploadId: text('upload_id'),
    durationMs: integer('duration_ms'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    videoCodec: text('video_codec'),
    audioCodec: text('audio_codec'),
    error: text('error'),
    startedBy: uuid('started_by').references(() => users.id, { onDelete: 'set null' }),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    readyAt: timestamp('ready_at', { withTimezone: true }),
    /** Set: the recording plays on the organization's public page and in the VOD embed (public rooms only). */
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [
    index('recordings_room_idx').on(t.roomId),
    index('recordings_org_started_idx').on(t.organizationId, t.startedAt),
    // One server recording at a time per room (hosts may record locally beside it).
    uniqueIndex('recordings_active_key').on(t.roomId).where(sql`status in ('recording', 'finalizing') and source = 'server'`),
    tenantPolicy(t.organizationId),
  ],
);

// A recording's further tracks (server recordings): a screen share recorded as its own video-only
// file beside the camera/microphone file, and a camera that was published only after the recording
// started with audio alone. Each is one multipart object written by the same media node while live
// and finalized with its recording (ready or partial, or failed with nothing in it); its bytes
// count against plan storage and it is deleted with its recording. `offsetMs`: when the track
// started, measured from the recording's start, so a player can line the two up.
export const RECORDING_TRACK_KINDS = ['screen', 'camera'] as const;
export const recordingTracks = pgTable(
  'recording_tracks',
  {
    id: id(),
    organizationId: organizationRef(),
    recordingId: uuid('recording_id')
      .notNull()
      .references(() => recordings.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: RECORDING_TRACK_KINDS }).notNull(),
    status: text('status', { enum: RECORDING_STATUSES }).notNull(),
    objectKey: text('object_key').notNull(),
    /** The open multipart upload while recording; null once completed or aborted. */
    uploadId: text('upload_id'),
    offsetMs: integer('offset_ms').notNull().default(0),
    durationMs: integer('duration_ms'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull().default(0),
    videoCodec: text('video_codec'),
    /** Why a `failed` track holds nothing (what the node saw), else null. */
    error: text('error'),
    createdAt: createdAt(),
  },
  (t) => [index('recording_tracks_recording_idx').on(t.recordingId), index('recording_tracks_org_idx').on(t.organizationId), tenantPolicy(t.organizationId)],
);

// Uploaded files (workers/src/storage). A `pending` row reserves its declared size against the
// plan's storage until the upload is confirmed (`uploaded`, size checked) or cleaned up.
export const files = pgTable(
  'files',
  {
    id: id(),
    organizationId: organizationRef(),
    workspaceId: uuid('workspace_id').references(() => workspaces.id, { onDelete: 'set null' }),
    objectKey: text('object_key').notNull().unique(),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    status: text('status', { enum: ['pending', 'uploaded', 'deleted'] }).notNull().default('pending'),
    /** The open multipart upload of a large file; null for a single PUT and once completed. */
    uploadId: text('upload_id'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    uploadedAt: timestamp('uploaded_at', { withTimezone: true }),
  },
  (t) => [index('files_org_idx').on(t.organizationId), index('files_pending_idx').on(t.createdAt).where(sql`status = 'pending'`), tenantPolicy(t.organizationId)],
);

// Studio guest links (workers/src/rooms/studio/guest-invite.ts): the link itself is a signed token;
// this row (keyed by its jti) lets the host list the links of a room and revoke one before it expires.
export const guestInvites = pgTable(
  'guest_invites',
  {
    id: uuid('id').primaryKey(),
    organizationId: organizationRef(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('guest_invites_room_idx').on(t.roomId, t.createdAt), tenantPolicy(t.organizationId)],
);

// An organization's brand kit for the studio (one row per organization, absent until saved):
// images are uploaded files (workers/src/storage), applied to the program and the viewer's stage.
export const brandKits = pgTable(
  'brand_kits',
  {
    organizationId: uuid('organization_id')
      .primaryKey()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    logoFileId: uuid('logo_file_id').references(() => files.id, { onDelete: 'set null' }),
    backgroundFileId: uuid('background_file_id').references(() => files.id, { onDelete: 'set null' }),
    /** `#rrggbb`: banners and name tags. */
    primaryColor: text('primary_color').notNull(),
    nameTags: boolean('name_tags').notNull().default(true),
    updatedAt: updatedAt(),
  },
  (t) => [tenantPolicy(t.organizationId)],
);

// ── Ingest ────────────────────────────────────────────────────────────────────

// One stream key per room for encoders (OBS, vMix, hardware) publishing over WHIP or RTMP.
// Only the sha-256 of the secret is stored; rotating replaces the row's secret. The live state
// is written by the ingest paths (WHIP at the Worker, RTMP at the node) so GET can show it.
export const ingestKeys = pgTable(
  'ingest_keys',
  {
    id: uuid('id').primaryKey(),
    organizationId: organizationRef(),
    roomId: uuid('room_id')
      .notNull()
      .unique()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    prefix: text('prefix').notNull(), // the first characters, shown in the room page
    secretHash: text('secret_hash').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    // 'idle' | 'live'; protocol of the current (or last) connection; the last encoder error.
    state: text('state', { enum: ['idle', 'live'] }).notNull().default('idle'),
    protocol: text('protocol', { enum: ['whip', 'rtmp'] }),
    lastError: text('last_error'),
    // The typed code of lastError (unsupported_video_codec, b_frames, ...), for programs.
    lastErrorCode: text('last_error_code'),
    stateChangedAt: timestamp('state_changed_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('ingest_keys_org_idx').on(t.organizationId), tenantPolicy(t.organizationId)],
);

// ── Multistream destinations (workers/src/egress/destination-routes.ts) ──────

export const egressDestinationKindEnum = pgEnum('egress_destination_kind', ['youtube', 'twitch', 'facebook', 'custom']);

/**
 * Where a live room can be pushed over RTMP(S): a platform's ingest URL and the stream key for it.
 * `room_id` null: the organization's default, offered in every room; set: that room only. The
 * stream key is sealed at rest (AES-GCM, like SSO client secrets, bound to the row's id) and only
 * its last 4 characters come back; the opened key travels only to the media node pushing it.
 */
export const egressDestinations = pgTable(
  'egress_destinations',
  {
    id: id(),
    organizationId: organizationRef(),
    roomId: uuid('room_id').references(() => rooms.id, { onDelete: 'cascade' }),
    kind: egressDestinationKindEnum('kind').notNull(),
    name: text('name').notNull(),
    ingestUrl: text('ingest_url').notNull(),
    streamKeySealed: text('stream_key_sealed').notNull(),
    streamKeyLast4: text('stream_key_last4').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('egress_destinations_org_idx').on(t.organizationId), index('egress_destinations_room_idx').on(t.roomId), tenantPolicy(t.organizationId)],
);
