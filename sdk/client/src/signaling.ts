// The room socket from the browser's side: hello (and resume after a drop), heartbeat, reconnect
// with backoff, every arriving frame validated with the schema's ServerMessage union, and
// request/response calls (media signaling) with ids and timeouts. Framework-agnostic: the Solid
// pages and the tests drive it the same way.
import {
  CLOSE_CODES,
  decodeFrame,
  ClientMessage,
  MEDIA_REQUESTS,
  PendingRequests,
  PROTOCOL_VERSION,
  ServerMessage,
  type ClientMessageInput,
  type ErrorCode,
  type MediaMethod,
  type MediaRequestInput,
  type MediaResult,
  type ServerMessageOf,
} from '@roomcast/schema/protocol';

/** What the API's join/start returns, all a page needs to open the socket. */
export interface RoomCredentials {
  token: string;
  signalingUrl: string;
  expiresAt: string;
  /** TURN servers with short-lived credentials, from the same join (empty: no TURN deployed). */
  iceServers?: IceServerInit[];
  /** The room's HLS playlist with a play token: the fallback player's source. */
  hlsUrl?: string;
}

/** An RTCIceServer as the API hands it out (coturn's TURN REST API credentials). */
export interface IceServerInit {
  urls: string[];
  username: string;
  credential: string;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Why the socket closed for good: the room ended, we were refused (kick, ban, bad token), or we left. */
export interface ClosedInfo {
  reason: 'ended' | 'refused' | 'left';
  code?: ErrorCode | undefined;
  message: string;
}

/** The socket's address for these credentials. */
export const signalingUrlOf = (credentials: RoomCredentials) => `${credentials.signalingUrl}?token=${encodeURIComponent(credentials.token)}`;

declare global {
  interface Window {
    /** The socket the page's inline script opened before its code loaded (early-socket.tsx). */
    __roomcastEarlySocket?: { url: string; ws: WebSocket; frames: unknown[]; sent: EarlyRequest[]; adopted: boolean };
  }
}

/** A media request the page's early script sent once the room said media is ready. */
export interface EarlyRequest {
  id: string;
  method: MediaMethod;
  data: unknown;
}

/** Takes over the page's early socket when it was opened for this URL and is not closed. */
function adoptEarlySocket(url: string): { ws: WebSocket; frames: unknown[]; sent: EarlyRequest[] } | undefined {
  const early = typeof window === 'undefined' ? undefined : window.__roomcastEarlySocket;
  if (!early || early.adopted || early.url !== url) return undefined;
  early.adopted = true;
  delete window.__roomcastEarlySocket;
  if (early.ws.readyState !== WebSocket.CONNECTING && early.ws.readyState !== WebSocket.OPEN) return undefined;
  return { ws: early.ws, frames: early.frames, sent: early.sent ?? [] };
}

/** A User Timing mark (join timeline in devtools and in `npm run bench:join`). */
export function mark(name: string): void {
  globalThis.performance?.mark?.(name);
}

export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode | 'timeout' | 'disconnected',
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

type Welcome = ServerMessageOf<'welcome'>;

export interface SignalingEvents {
  /** After every welcome: the first one and each after a reconnect (resumed or not). */
  welcome(welcome: Welcome, reconnected: boolean): void;
  /** Every other validated frame (responses are consumed by `request`). */
  message(message: ServerMessage): void;
  state(state: ConnectionState): void;
  closed(info: ClosedInfo): void;
}

export interface SignalingOptions {
  credentials: RoomCredentials;
  /** Fetches fresh credentials when the token is about to expire (reconnects after a long drop). */
  refresh?: () => Promise<RoomCredentials>;
  requestTimeoutMs?: number;
  /** Reconnect backoff, ms: first delay, doubled up to max. */
  backoff?: { initialMs: number; maxMs: number };
}

/** Error codes after which reconnecting cannot help. */
const TERMINAL_CODES: ReadonlySet<string> = new Set(['room_ended', 'banned', 'kicked', 'room_full', 'invalid_token', 'unsupported_protocol']);

export class SignalingClient {
  state: ConnectionState = 'connecting';
  welcome: Welcome | undefined;
  #credentials: RoomCredentials;

  /** The current room token (refreshed on reconnect): the room's REST calls (shared files) carry it. */
  get token(): string {
    return this.#credentials.token;
  }

  /** The TURN servers of the newest credentials (a refresh brings new ones). */
  get iceServers(): IceServerInit[] {
    return this.#credentials.iceServers ?? [];
  }
  readonly #options: SignalingOptions;
  #ws: WebSocket | undefined;
  #resumeId: string | undefined;
  #requests = new PendingRequests('r');
  /** Answers to the early script's requests, by method and data, for the first `request` that asks the same. */
  #earlyAnswers = new Map<string, Promise<unknown>>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #lastHeard = 0;
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #closedInfo: ClosedInfo | undefined;
  #listeners: { [K in keyof SignalingEvents]: Set<SignalingEvents[K]> } = {
    welcome: new Set(),
    message: new Set(),
    state: new Set(),
    closed: new Set(),
  };

  constructor(options: SignalingOptions) {
    this.#options = options;
    this.#credentials = options.credentials;
  }

  on<K extends keyof SignalingEvents>(event: K, listener: SignalingEvents[K]): () => void {
    this.#listeners[event].add(listener);
    return () => this.#listeners[event].delete(listener);
  }

  #emit<K extends keyof SignalingEvents>(event: K, ...args: Parameters<SignalingEvents[K]>) {
    for (const listener of this.#listeners[event]) (listener as (...a: unknown[]) => void)(...args);
  }

  #setState(state: ConnectionState) {
    if (this.state === state) return;
    this.state = state;
    this.#emit('state', state);
  }

  connect(): void {
    if (this.#closedInfo) return;
    const url = signalingUrlOf(this.#credentials);
    // The first connect may find the socket the page opened early (it says hello itself).
    const early = this.welcome ? undefined : adoptEarlySocket(url);
    const ws = early?.ws ?? new WebSocket(url);
    this.#ws = ws;
    if (early) {
      this.#lastHeard = Date.now();
      ws.addEventListener('open', () => (this.#lastHeard = Date.now()));
    } else {
      ws.addEventListener('open', () => {
        mark('room:socket-open');
        this.#lastHeard = Date.now();
        this.#sendRaw({ type: 'hello', protocol: PROTOCOL_VERSION, token: this.#credentials.token, ...(this.#resumeId ? { resumeId: this.#resumeId } : {}) });
      });
    }
    ws.addEventListener('message', (event) => {
      if (ws !== this.#ws) return;
      this.#lastHeard = Date.now();
      this.#receive(typeof event.data === 'string' ? event.data : '');
    });
    ws.addEventListener('close', (event) => {
      if (ws !== this.#ws) return;
      this.#onClose(event.code, event.reason);
    });
    for (const sent of early?.sent ?? []) {
      const answer = this.#track(sent.id, sent.method);
      answer.catch(() => {}); // nobody may ask (the socket dropped first): not an unhandled rejection
      this.#earlyAnswers.set(requestKey(sent.method, sent.data), answer);
    }
    for (const frame of early?.frames ?? []) this.#receive(typeof frame === 'string' ? frame : '');
  }

  #receive(raw: string) {
    // The room's frames are trusted in origin but still checked: a newer server may send what this
    // page does not know, and nothing invalid may reach the UI. No size cap toward the browser.
    const decoded = decodeFrame(ServerMessage, raw, { maxBytes: Number.MAX_SAFE_INTEGER });
    if (!decoded.ok) {
      console.warn('[room] dropped a frame', decoded.error.code, decoded.error.message);
      return;
    }
    const message = decoded.message;
    switch (message.type) {
      case 'welcome': {
        mark('room:welcome');
        const reconnected = this.welcome !== undefined;
        this.welcome = message;
        this.#resumeId = message.resumeId;
        this.#attempt = 0;
        this.#startHeartbeat(message.heartbeatMs);
        this.#setState('open');
        this.#emit('welcome', message, reconnected);
        return;
      }
      case 'response':
        this.#requests.settle(message.id, message.ok ? { ok: true, data: message.data } : { ok: false, error: new RequestError(message.error!.code, message.error!.message) });
        return;
      case 'error': {
        if (message.id && this.#requests.settle(message.id, { ok: false, error: new RequestError(message.code, message.message) })) return;
        if (TERMINAL_CODES.has(message.code)) {
          this.#finish({ reason: message.code === 'room_ended' ? 'ended' : 'refused', code: message.code, message: message.message });
          return;
        }
        if (message.code === 'token_expired') {
          // Our token ran out before the reconnect: fetch a fresh one and try again.
          this.#ws?.close(CLOSE_CODES.normal, 'token expired');
          return;
        }
        break;
      }
      case 'room.ended':
        this.#emit('message', message);
        this.#finish({ reason: 'ended', message: message.reason === 'empty' ? 'The room closed' : 'The host ended the room' });
        return;
    }
    this.#emit('message', message);
  }

  #startHeartbeat(intervalMs: number) {
    clearInterval(this.#heartbeat);
    // Ping well within the server's interval; a socket silent for three intervals is dead.
    const every = Math.max(1000, Math.floor(intervalMs / 2));
    this.#heartbeat = setInterval(() => {
      if (Date.now() - this.#lastHeard > intervalMs * 3) {
        this.#ws?.close(CLOSE_CODES.stale, 'heartbeat timeout');
        this.#onClose(CLOSE_CODES.stale, 'heartbeat timeout');
        return;
      }
      this.#sendRaw({ type: 'ping', ts: Date.now() });
    }, every);
  }

  #onClose(code: number, reason: string) {
    clearInterval(this.#heartbeat);
    this.#ws = undefined;
    this.#earlyAnswers.clear();
    this.#rejectPending('disconnected', 'The room connection dropped');
    if (this.#closedInfo) return;
    if (code === CLOSE_CODES.policy) {
      this.#finish({ reason: 'refused', message: reason || 'The room refused the connection' });
      return;
    }
    if (code === CLOSE_CODES.normal && reason !== 'token expired' && this.welcome) {
      this.#finish({ reason: 'ended', message: reason || 'The room closed' });
      return;
    }
    this.#setState('reconnecting');
    const { initialMs, maxMs } = this.#options.backoff ?? { initialMs: 300, maxMs: 5000 };
    const delay = Math.min(maxMs, initialMs * 2 ** this.#attempt++) * (0.75 + Math.random() * 0.5);
    this.#reconnectTimer = setTimeout(() => void this.#reconnect(), delay);
  }

  async #reconnect() {
    if (this.#closedInfo) return;
    const expiresSoon = Date.parse(this.#credentials.expiresAt) - Date.now() < 60_000;
    if (expiresSoon && this.#options.refresh) {
      try {
        this.#credentials = await this.#options.refresh();
      } catch (error) {
        console.warn('[room] could not refresh the room token', error);
      }
    }
    this.connect();
  }

  #rejectPending(code: 'disconnected' | 'timeout', message: string) {
    this.#requests.failAll(() => new RequestError(code, message));
  }

  #finish(info: ClosedInfo) {
    if (this.#closedInfo) return;
    this.#closedInfo = info;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#reconnectTimer);
    this.#rejectPending('disconnected', info.message);
    const ws = this.#ws;
    this.#ws = undefined;
    try {
      ws?.close(CLOSE_CODES.normal, info.reason);
    } catch {
      // already closing
    }
    this.#setState('closed');
    this.#emit('closed', info);
  }

  #sendRaw(frame: ClientMessageInput): boolean {
    if (this.#ws?.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Sends a frame after validating it with the same schema the room uses; returns the problem
   * (for the UI) instead of sending something the room would refuse.
   */
  send(frame: ClientMessageInput): { ok: true } | { ok: false; message: string } {
    const parsed = ClientMessage.safeParse(frame);
    if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? 'invalid message' };
    if (this.state !== 'open' || !this.#sendRaw(frame)) return { ok: false, message: 'Not connected to the room' };
    return { ok: true };
  }

  /** A media request; resolves with the validated result, rejects with a RequestError. */
  request<M extends MediaMethod>(method: M, data: MediaRequestInput<M>): Promise<MediaResult<M>> {
    const key = requestKey(method, data);
    const early = this.#earlyAnswers.get(key);
    if (early) {
      this.#earlyAnswers.delete(key);
      return early as Promise<MediaResult<M>>;
    }
    const id = this.#requests.nextId();
    const answer = this.#track(id, method);
    if (this.state !== 'open' || !this.#sendRaw({ type: 'request', id, method, data })) {
      this.#requests.settle(id, { ok: false, error: new RequestError('disconnected', 'Not connected to the room') });
    }
    return answer;
  }

  /** Waits for the answer to request `id` (sent by us, or by the page's early script). */
  #track<M extends MediaMethod>(id: string, method: M): Promise<MediaResult<M>> {
    const timeoutMs = this.#options.requestTimeoutMs ?? 20_000;
    return this.#requests.track(
      id,
      timeoutMs,
      (result) => {
        const parsed = MEDIA_REQUESTS[method].result.safeParse(result ?? {});
        if (!parsed.success) throw new RequestError('invalid_message', `${method}: the room answered an unexpected shape`);
        return parsed.data as MediaResult<M>;
      },
      () => new RequestError('timeout', `${method} got no answer within ${timeoutMs} ms`),
    );
  }

  /** Leaves for good: tells the room, then closes. */
  leave(): void {
    this.#sendRaw({ type: 'leave' });
    this.#finish({ reason: 'left', message: 'You left the room' });
  }
}

const requestKey = (method: string, data: unknown) => `${method} ${JSON.stringify(data)}`;
