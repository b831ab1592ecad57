// A typed client for the Roomcast REST API, for servers holding an API key (`rck_...`). Request
// and response types are the API's own schemas (@roomcast/schema/api), which also generate the
// OpenAPI document. Works wherever `fetch` does (Node 18+, Workers, Deno, Bun).
import type { z } from 'zod';
import type {
  CreateEgressDestinationInput,
  CreateRoomInput,
  EgressDestination,
  HlsStatus,
  JoinRoomInput,
  OrganizationUsage,
  Recording,
  RecordingPage,
  RecordingWithPlayback,
  Room,
  RoomEgressStatus,
  RoomJoin,
  RoomSession,
  RtmpOutputStatus,
  UpdateRoomInput,
  Workspace,
} from '@roomcast/schema/api';
import { RoomcastApiError } from './errors.ts';
import { ROUTES, type Operation } from './routes.ts';

export type RoomInfo = z.infer<typeof Room>;
export type RoomToken = z.infer<typeof RoomJoin>;
export type RoomSessionInfo = z.infer<typeof RoomSession>;
export type WorkspaceInfo = z.infer<typeof Workspace>;
export type CreateRoom = z.input<typeof CreateRoomInput>;
export type UpdateRoom = z.input<typeof UpdateRoomInput>;
export type TokenRequest = z.input<typeof JoinRoomInput>;
export type Usage = z.infer<typeof OrganizationUsage>;
export type RecordingInfo = z.infer<typeof Recording>;
export type RecordingList = z.infer<typeof RecordingPage>;
export type RecordingPlayback = z.infer<typeof RecordingWithPlayback>;
export type Destination = z.infer<typeof EgressDestination>;
export type CreateDestination = z.input<typeof CreateEgressDestinationInput>;
export type DestinationStatus = z.infer<typeof RtmpOutputStatus>;
/** Newest first; pass the page's `nextCursor` as `before` for the next (older) one. */
export interface PageOptions {
  limit?: number;
  before?: string;
}

export interface RoomcastOptions {
  /** An API key of the organization (`rck_...`); keys are scoped to one organization. */
  apiKey: string;
  /** The organization the key belongs to. */
  organizationId: string;
  /** The API's base URL, e.g. https://api.example.com/api/v1. */
  baseUrl: string;
  /** Another fetch (tests, proxies); the global one by default. */
  fetch?: (request: Request) => Promise<Response>;
}

export class Roomcast {
  readonly #options: RoomcastOptions;

  constructor(options: RoomcastOptions) {
    if (!options.apiKey.startsWith('rck_')) throw new TypeError('apiKey must be a Roomcast API key (rck_...)');
    this.#options = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
  }

  readonly workspaces = {
    list: async (): Promise<WorkspaceInfo[]> => (await this.#call<{ workspaces: WorkspaceInfo[] }>('listWorkspaces', {})).workspaces,
  };

  readonly rooms = {
    list: async (): Promise<RoomInfo[]> => (await this.#call<{ rooms: RoomInfo[] }>('listRooms', {})).rooms,
    get: (roomId: string): Promise<RoomInfo> => this.#call('getRoom', { room: roomId }),
    create: (input: CreateRoom): Promise<RoomInfo> => this.#call('createRoom', {}, input),
    update: (roomId: string, input: UpdateRoom): Promise<RoomInfo> => this.#call('updateRoom', { room: roomId }, input),
    delete: async (roomId: string): Promise<void> => void (await this.#call('deleteRoom', { room: roomId })),
    /** Opens a live session (idempotent while live); `join` is a host token for the caller. */
    start: (roomId: string): Promise<{ room: RoomInfo; session: RoomSessionInfo; join: RoomToken }> => this.#call('startRoom', { room: roomId }),
    end: (roomId: string): Promise<{ room: RoomInfo; session: RoomSessionInfo }> => this.#call('endRoom', { room: roomId }),
    /**
     * Mints a short-lived room token for one of your users: `identity` is yours to choose (not
     * `user:*` or `guest-*`), `role` any but owner. Hand the token to that user's browser.
     */
    mintToken: (roomId: string, participant: TokenRequest): Promise<RoomToken> => this.#call('joinRoom', { room: roomId }, participant),
  };

  readonly usage = {
    get: (): Promise<Usage> => this.#call('getUsage', {}),
  };

  /** Server recordings of live rooms (and local and HLS ones in the same library). */
  readonly recordings = {
    list: (options: PageOptions & { roomId?: string } = {}): Promise<RecordingList> => this.#call('listRecordings', {}, undefined, { ...options }),
    /** With a short-lived `playbackUrl` once it plays. */
    get: (recordingId: string): Promise<RecordingPlayback> => this.#call('getRecording', { recording: recordingId }),
    start: async (roomId: string): Promise<RecordingInfo> => (await this.#call<{ recording: RecordingInfo }>('startRecording', { room: roomId })).recording,
    stop: async (recordingId: string): Promise<RecordingInfo> => (await this.#call<{ recording: RecordingInfo }>('stopRecording', { recording: recordingId })).recording,
    delete: async (recordingId: string): Promise<void> => void (await this.#call('deleteRecording', { recording: recordingId })),
  };

  /** HLS of a live room for big passive audiences: `playlistUrl` is what players open. */
  readonly hls = {
    get: (roomId: string): Promise<HlsStatus> => this.#call('getHls', { room: roomId }),
    start: (roomId: string): Promise<HlsStatus> => this.#call('startHls', { room: roomId }),
    stop: (roomId: string): Promise<HlsStatus> => this.#call('stopHls', { room: roomId }),
  };

  /** Multistream: RTMP destinations (stream keys are never returned, only their last 4) and their state in a live room. */
  readonly multistream = {
    list: async (options: { roomId?: string } = {}): Promise<Destination[]> => (await this.#call<{ destinations: Destination[] }>('listDestinations', {}, undefined, { ...options })).destinations,
    create: async (input: CreateDestination): Promise<Destination> => (await this.#call<{ destination: Destination }>('createDestination', {}, input)).destination,
    delete: async (destinationId: string): Promise<void> => void (await this.#call('deleteDestination', { destination: destinationId })),
    /** Answers at once (`connecting`); `status` follows it to `live`, `retrying` or `failed`. */
    start: async (roomId: string, destinationId: string): Promise<DestinationStatus> =>
      (await this.#call<{ output: DestinationStatus }>('startDestination', { room: roomId, destination: destinationId })).output,
    stop: async (roomId: string, destinationId: string): Promise<void> => void (await this.#call('stopDestination', { room: roomId, destination: destinationId })),
    status: async (roomId: string): Promise<DestinationStatus[]> => (await this.#call<z.infer<typeof RoomEgressStatus>>('getRoomEgress', { room: roomId })).outputs,
  };

  async #call<T>(operation: Operation, params: Record<string, string>, body?: unknown, query: { [name: string]: string | number | undefined } = {}): Promise<T> {
    const [method, template] = ROUTES[operation];
    const search = new URLSearchParams(Object.entries(query).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]]))).toString();
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(name === 'org' ? this.#options.organizationId : (params[name] ?? ''))) + (search ? `?${search}` : '');
    const headers: Record<string, string> = { authorization: `Bearer ${this.#options.apiKey}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const request = new Request(this.#options.baseUrl + path, { method: method.toUpperCase(), headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const response = await (this.#options.fetch ?? fetch)(request);
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      throw new RoomcastApiError(response.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${response.status}`, error?.details);
    }
    return parsed as T;
  }
}
