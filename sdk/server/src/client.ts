// A typed client for the Roomcast REST API, for servers holding an API key (`rck_...`). Request
// and response types are the API's own schemas (@roomcast/schema/api), which also generate the
// OpenAPI document. Works wherever `fetch` does (Node 18+, Workers, Deno, Bun).
import type { z } from 'zod';
import type { CreateRoomInput, JoinRoomInput, OrganizationUsage, Room, RoomJoin, RoomSession, UpdateRoomInput, Workspace } from '@roomcast/schema/api';
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

  async #call<T>(operation: Operation, params: Record<string, string>, body?: unknown): Promise<T> {
    const [method, template] = ROUTES[operation];
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(name === 'org' ? this.#options.organizationId : (params[name] ?? '')));
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
