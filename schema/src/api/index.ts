// REST request and response shapes, shared by the Worker (validation + OpenAPI) and the web app.
import { z } from 'zod';
import { ROLES, ROOM_ROLES } from '../permissions.ts';
import { Brand } from './brand.ts';

const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'lower-case letters, digits and inner hyphens only');
const email = z
  .email()
  .max(254)
  .transform((v) => v.toLowerCase());
const name = z.string().trim().min(1).max(120);

export const Role = z.enum(ROLES);
/** A role inside a room: a member role, or `guest` (a studio guest invited by link). */
export const RoomRole = z.enum(ROOM_ROLES);
export const Visibility = z.enum(['public', 'members', 'invite']);

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

// ── Auth ──
export const SignupInput = z.object({
  email,
  password: z.string().min(10, 'at least 10 characters').max(256),
  name,
  organizationName: name,
});
export const LoginInput = z.object({ email, password: z.string().min(1).max(256) });

export const User = z.object({ id: z.uuid(), email: z.string(), name: z.string(), emailVerified: z.boolean(), createdAt: z.string() });

// ── Account links and sessions ──
const newPassword = z.string().min(10, 'at least 10 characters').max(256);
/** A one-time token from a mailed link (43 base64url characters). */
const linkToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a valid link token');
export const VerifyEmailInput = z.object({ token: linkToken });
export const PasswordResetRequestInput = z.object({ email });
export const PasswordResetInput = z.object({ token: linkToken, password: newPassword });
export const ChangePasswordInput = z.object({ currentPassword: z.string().min(1).max(256), newPassword });
export const AccountSession = z.object({
  id: z.uuid(),
  current: z.boolean(),
  /** A short description of the browser and system, from the user agent. */
  device: z.string(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  /** Country or region code from the edge; null when unknown (locally). */
  region: z.string().nullable(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
});

// ── Tenancy ──
export const Organization = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  role: Role.optional(),
  planId: z.string().optional(),
  createdAt: z.string(),
});
export const CreateOrganizationInput = z.object({ name, slug: slug.optional() });
export const UpdateOrganizationInput = z
  .object({ name: name.optional(), slug: slug.optional() })
  .refine((v) => Object.keys(v).length > 0, 'nothing to update');

export const Workspace = z.object({
  id: z.uuid(),
  organizationId: z.uuid(),
  name: z.string(),
  slug: z.string(),
  createdAt: z.string(),
});
export const CreateWorkspaceInput = z.object({ name, slug: slug.optional() });
export const UpdateWorkspaceInput = z
  .object({ name: name.optional(), slug: slug.optional() })
  .refine((v) => Object.keys(v).length > 0, 'nothing to update');

export const Member = z.object({
  userId: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: Role,
  joinedAt: z.string(),
});
export const UpdateMemberInput = z.object({ role: Role });
export const CreateInvitationInput = z.object({ email, role: Role });
export const Invitation = z.object({
  id: z.uuid(),
  organizationId: z.uuid(),
  email: z.string(),
  role: Role,
  expiresAt: z.string(),
  acceptedAt: z.string().nullable(),
  createdAt: z.string(),
});
export const AcceptInvitationInput = z.object({ token: z.string().min(1).max(200) });

// ── Rooms ──
const HlsAutoViewers = z.number().int().min(1).max(1_000_000).nullable();
export const Room = z.object({
  id: z.uuid(),
  organizationId: z.uuid(),
  workspaceId: z.uuid(),
  title: z.string(),
  slug: z.string(),
  visibility: Visibility,
  recording: z.boolean(),
  /** HLS starts by itself once this many viewers are in a live session; null: only on demand. */
  hlsAutoViewers: z.number().int().nullable(),
  status: z.enum(['idle', 'live']),
  liveSessionId: z.uuid().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const CreateRoomInput = z.object({
  workspaceId: z.uuid(),
  title: z.string().trim().min(1).max(200),
  slug: slug.optional(),
  visibility: Visibility.default('members'),
  // Record live sessions: a plan feature (Professional and up).
  recording: z.boolean().default(false),
  // Start HLS once this many viewers are in (same plan feature as recording); null: only on demand.
  hlsAutoViewers: HlsAutoViewers.default(null),
});
export const UpdateRoomInput = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    slug: slug.optional(),
    visibility: Visibility.optional(),
    recording: z.boolean().optional(),
    hlsAutoViewers: HlsAutoViewers.optional(),
    workspaceId: z.uuid().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to update');
export const RoomSession = z.object({
  id: z.uuid(),
  roomId: z.uuid(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
});
/** A room as the public room pages see it (`GET /public/rooms/...`), before anyone signs in. */
export const PublicRoom = z.object({
  roomId: z.uuid(),
  organizationId: z.uuid(),
  title: z.string(),
  /** idle: never started; live: a session is open; ended: the last session has ended. */
  status: z.enum(['idle', 'live', 'ended']),
  visibility: Visibility,
  /** The organization's studio brand (program and stage); null: none saved. */
  brand: Brand.nullable(),
});
export const JoinRoomInput = z.object({
  // API keys mint tokens for their own users; a signed-in member always joins as themself.
  identity: z.string().trim().min(1).max(128).optional(),
  name: name.optional(),
  role: Role.exclude(['owner']).optional(),
});
/** An RTCIceServer: TURN with short-lived credentials (coturn's TURN REST API). */
export const IceServer = z.object({ urls: z.array(z.string()), username: z.string(), credential: z.string() });
export const RoomJoin = z.object({
  token: z.string(),
  signalingUrl: z.string(),
  role: RoomRole,
  expiresAt: z.string(),
  /** TURN servers for the media transports (empty when the deployment has no TURN). */
  iceServers: z.array(IceServer).default([]),
  /** The room's HLS playlist with a play token (for a player that cannot use WebRTC, or a full room). */
  hlsUrl: z.string().optional(),
});

// ── API keys ──
export const CreateApiKeyInput = z.object({ name });
export const ApiKey = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

// ── Plans and billing ──
export * from './billing.ts';

// ── Tenant webhooks ──
export * from './webhooks.ts';
export * from './ingest.ts';

// ── Object storage: files and recordings ──
export * from './storage.ts';
// ── Egress: HLS ──
export * from './egress.ts';

// ── Accounts: SSO, second factor, email change ──
export * from './accounts.ts';

// ── Studio brand kit ──
export * from './brand.ts';

// ── Studio guests ──
/** The host's guest link: how long it admits guests (default 4 hours, at most 24). */
export const CreateGuestInviteInput = z.object({ ttlSeconds: z.number().int().min(60).max(86_400).default(14_400) });
export const GuestInvite = z.object({
  /** The link's id: list and revoke it with this. */
  id: z.uuid(),
  /** The invite (a signed, time-limited token for this room only). */
  invite: z.string(),
  /** Where the guest opens it, relative to the web app: `/guest/{roomId}#{invite}`. */
  path: z.string(),
  expiresAt: z.string(),
});
/** A room's guest link as listed (the token itself is shown only when it is made). */
export const GuestInviteSummary = z.object({
  id: z.uuid(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  /** active: admits guests; revoked by a host; expired. */
  status: z.enum(['active', 'revoked', 'expired']),
});
export type GuestInviteSummary = z.infer<typeof GuestInviteSummary>;
export const GuestJoinInput = z.object({
  invite: z.string().min(1).max(4096),
  name: z
    .string()
    .trim()
    // eslint-disable-next-line no-control-regex
    .transform((s) => s.replace(/[\u0000-\u001f\u007f]/g, ''))
    .pipe(z.string().min(1, 'must not be empty').max(60, 'at most 60 characters')),
});
