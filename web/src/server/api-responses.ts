// The response shape of every API route the BFF reads, named after the route and built from the
// shapes the Worker builds its answers with (@roomcast/schema/api). Envelopes the Worker writes
// inline (`{rooms: [...]}`) are spelled out here from the same parts.
import { z } from 'zod';
import * as Shapes from '@roomcast/schema/api';

// ── auth ──
/** GET /auth/me */
export const MeResponse = z.object({ user: Shapes.User, organizations: z.array(Shapes.Organization) });
/** POST /auth/login */
export const LoginResponse = z.object({ user: Shapes.User, token: z.string().optional(), twoFactorRequired: z.boolean().optional(), challenge: z.string().optional() });
/** POST /auth/login/two-factor */
export const TwoFactorSignedIn = z.object({ user: Shapes.User, token: z.string() });
/** GET /auth/two-factor, POST /auth/two-factor/disable */
export const TwoFactorStatusResponse = Shapes.TwoFactorStatus;
/** POST /auth/two-factor/enroll */
export const TwoFactorEnrollmentResponse = Shapes.TwoFactorEnrollment;
/** POST /auth/two-factor/confirm */
export const TwoFactorConfirmed = z.object({ recoveryCodes: z.array(z.string()) });
/** GET, PUT /organizations/{org}/security */
export const OrganizationSecurity = Shapes.OrganizationSecurityInput;
/** POST /auth/email-change */
export const EmailChangeRequested = z.object({ sentTo: z.string() });
/** POST /auth/email-change/confirm */
export const EmailChanged = z.object({ user: Shapes.User, revokedSessions: z.number() });
/** POST /auth/signup */
export const SignupResponse = z.object({ user: Shapes.User, organization: Shapes.Organization, token: z.string() });
/** POST /auth/verify-email */
export const EmailVerified = z.object({ user: Shapes.User });
/** POST /auth/verify-email/resend */
export const VerificationResent = z.object({ sentTo: z.string() });
/** POST /auth/password-reset/request */
export const PasswordResetRequested = z.object({ message: z.string() });
/** POST /auth/password-reset */
export const PasswordResetDone = LoginResponse;
/** GET /auth/sessions */
export const SessionList = z.object({ sessions: z.array(Shapes.AccountSession) });
/** POST /auth/sessions/revoke-others */
export const SessionsRevoked = z.object({ revoked: z.number() });
/** POST /auth/password */
export const PasswordChanged = z.object({ revokedSessions: z.number() });
/** POST /auth/sso/start */
export const SsoStarted = Shapes.SsoStartResponse;
/** POST /auth/sso/callback */
export const SsoSignedIn = z.object({ user: Shapes.User, token: z.string(), organization: z.object({ id: z.string(), slug: z.string() }), created: z.boolean() });
/** GET /organizations/{org}/sso */
export const SsoSettings = z.object({ connection: Shapes.SsoConnection.nullable(), redirectUri: z.string(), planAllowsSso: z.boolean() });
/** PUT /organizations/{org}/sso */
export const SsoSaved = z.object({ connection: Shapes.SsoConnection });

// ── organizations ──
/** GET /organizations/{org} */
export const OrganizationResponse = Shapes.Organization;
/** GET /organizations/{org}/limits */
export const LimitsResponse = Shapes.OrganizationLimits;

// ── workspaces ──
/** GET /organizations/{org}/workspaces */
export const WorkspaceList = z.object({ workspaces: z.array(Shapes.Workspace) });
/** POST /organizations/{org}/workspaces, PATCH /organizations/{org}/workspaces/{id} */
export const WorkspaceResponse = Shapes.Workspace;

// ── members and invitations ──
/** GET /organizations/{org}/members */
export const MemberList = z.object({ members: z.array(Shapes.Member) });
/** PATCH /organizations/{org}/members/{user} */
export const MemberResponse = Shapes.Member;
/** GET /organizations/{org}/invitations */
export const InvitationList = z.object({ invitations: z.array(Shapes.Invitation) });
/** POST /organizations/{org}/invitations (the token exists only in this answer) */
export const InvitationCreated = z.object({ invitation: Shapes.Invitation, token: z.string(), mailed: z.boolean() });
/** POST /invitations/accept */
export const InvitationAccepted = z.object({ organization: Shapes.Organization });

// ── rooms ──
/** GET /organizations/{org}/rooms */
export const RoomList = z.object({ rooms: z.array(Shapes.Room) });
/** GET, PATCH /organizations/{org}/rooms/{room}; POST /organizations/{org}/rooms */
export const RoomResponse = Shapes.Room;
/** POST /organizations/{org}/rooms/{room}/start */
export const RoomStarted = z.object({ room: Shapes.Room, session: Shapes.RoomSession, join: Shapes.RoomJoin });
/** POST /organizations/{org}/rooms/{room}/end */
export const RoomEnded = z.object({ room: Shapes.Room, session: Shapes.RoomSession });
/** POST /organizations/{org}/rooms/{room}/join, POST /public/rooms.../join */
export const RoomJoinResponse = Shapes.RoomJoin;
export const GuestInviteResponse = Shapes.GuestInvite;
/** GET /organizations/{org}/rooms/{room}/guest-invites */
export const GuestInviteList = z.object({ invites: z.array(Shapes.GuestInviteSummary) });
/** GET /public/rooms/{orgSlug}/{roomSlug}, GET /public/rooms-by-id/{roomId} */
export const PublicRoomResponse = Shapes.PublicRoom;
/** GET, PUT /organizations/{org}/brand-kit */
export const BrandKitResponse = Shapes.BrandKit;
/** POST /organizations/{org}/files */
export const FileCreated = Shapes.CreatedFile;
/** POST /organizations/{org}/files/{file}/complete */
export const FileCompleted = z.object({ file: Shapes.StoredFile });

// ── API keys ──
/** GET /organizations/{org}/api-keys */
export const ApiKeyList = z.object({ apiKeys: z.array(Shapes.ApiKey) });
/** POST /organizations/{org}/api-keys (the secret exists only in this answer) */
export const ApiKeyCreated = z.object({ apiKey: Shapes.ApiKey, secret: z.string() });

// ── webhooks ──
/** GET /organizations/{org}/webhooks */
export const WebhookEndpointList = z.object({ endpoints: z.array(Shapes.WebhookEndpoint) });
/** POST /organizations/{org}/webhooks and .../rotate-secret (the secret exists only in these answers) */
export const WebhookEndpointCreated = z.object({ endpoint: Shapes.WebhookEndpoint, secret: z.string() });
/** GET/PATCH /organizations/{org}/webhooks/{endpoint} */
export const WebhookEndpointResponse = Shapes.WebhookEndpoint;
/** GET /organizations/{org}/webhooks/{endpoint}/deliveries */
export const WebhookDeliveryList = z.object({ deliveries: z.array(Shapes.WebhookDelivery) });
/** POST .../test */
export const WebhookTestSent = z.object({ delivery: Shapes.WebhookDelivery });
/** POST .../redeliver */
export const WebhookRedelivered = z.object({ redelivered: z.number() });

// ── billing ──
/** GET /subscriptions/plans */
export const PlanListResponse = Shapes.PlanList;
/** GET /organizations/{org}/subscription */
export const SubscriptionResponse = Shapes.OrganizationSubscription;
/** GET /organizations/{org}/usage */
export const UsageResponse = Shapes.OrganizationUsage;
/** POST /subscriptions, POST /subscriptions/portal */
export const RedirectResponse = Shapes.RedirectUrl;

// ── ingest ──
/** POST /organizations/{org}/rooms/{room}/ingest (GET answers Shapes.IngestSettings) */
export const CreatedIngestResponse = Shapes.CreatedIngest;

// ── recordings ──
/** GET /organizations/{org}/recordings */
export const RecordingList = Shapes.RecordingPage;
/** GET /organizations/{org}/recordings/{id} (presigned playback, valid a few minutes) */
export const RecordingResponse = Shapes.RecordingWithPlayback;
/** POST /organizations/{org}/rooms/{room}/local-recordings */
export const StartedLocalRecordingResponse = Shapes.StartedLocalRecording;
/** POST /organizations/{org}/recordings/{id}/part-urls */
export const LocalRecordingPartUrlsResponse = Shapes.LocalRecordingPartUrls;
/** POST /organizations/{org}/recordings/{id}/complete (and /stop) */
export const RecordingOnlyResponse = z.object({ recording: Shapes.Recording });

// ── files ──
/** GET /organizations/{org}/files */
export const FileList = Shapes.FilePage;
/** POST /organizations/{org}/files (presigned PUT or parts) */
export const CreatedFileResponse = Shapes.CreatedFile;
/** POST /organizations/{org}/files/{id}/complete */
export const CompletedFileResponse = z.object({ file: Shapes.StoredFile });
/** GET /organizations/{org}/files/{id} (presigned download, valid a few minutes) */
export const FileResponse = Shapes.FileWithDownload;
/** POST /rooms/{room}/files/{id}/download (a file shared in the room chat; presigned, valid a few minutes) */
export const RoomFileDownload = z.object({ url: z.string(), expiresAt: z.string() });
/** GET /public/organizations/{slug}/recordings (published recordings of public rooms) */
export const PublicRecordingListResponse = Shapes.PublicRecordingList;
/** GET /public/recordings/{id} (a published recording with a presigned playback URL) */
export const PublicRecordingResponse = Shapes.PublicRecordingPlayback;

// ── Multistream (egress/multistream.server.ts) ──────────────────────────────────

export const DestinationList = z.object({ destinations: z.array(Shapes.EgressDestination) });
export const DestinationCreated = z.object({ destination: Shapes.EgressDestination });
export const RtmpOutputStarted = z.object({ output: Shapes.RtmpOutputStatus });
export const RoomEgressResponse = Shapes.RoomEgressStatus;
