// One participant's view of a room: the signaling socket, the media session and the room state
// built from validated frames (participants, chat, alerts, room settings, what is live). The Solid
// pages subscribe to `state`; everything they do goes through the methods here.
import type { Alert, ChatMessage, ClientMessageInput, MediaSource, Participant, RoomState, ServerMessage } from '@roomcast/schema/protocol';
import { MediaSession, type MediaSnapshot } from './media-session';
import { SignalingClient, type ClosedInfo, type ConnectionState, type RoomCredentials } from './signaling';

/** What the page shows: the state machine of the room from this participant's side. */
export type RoomPhase =
  /** Opening the socket for the first time. */
  | 'connecting'
  /** In the room; nothing is being broadcast yet (viewers wait for the host). */
  | 'waiting'
  /** In the room and media is flowing (viewer: the host's camera or screen arrived). */
  | 'live'
  /** The socket dropped, or the media node was lost; rebuilding. */
  | 'reconnecting'
  /** The room ended, or we were removed or left. */
  | 'ended';

export interface Self extends Participant {
  grants: string[];
}

export interface RoomViewState {
  phase: RoomPhase;
  connection: ConnectionState;
  closed: ClosedInfo | undefined;
  self: Self | undefined;
  room: RoomState | undefined;
  participants: Participant[];
  participantCount: number;
  chat: ChatMessage[];
  alerts: Alert[];
  media: MediaSnapshot;
  /** The last problem the room reported about something we did (rate limit, slow mode...). */
  notice: string | undefined;
}

const MAX_CHAT = 300;
const MAX_ALERTS = 50;

export interface RoomClientOptions {
  credentials: RoomCredentials;
  refresh?: () => Promise<RoomCredentials>;
  /** Receive others' media. Default true. */
  receive?: boolean;
}

export class RoomClient {
  readonly signaling: SignalingClient;
  media: MediaSession | undefined;
  state: RoomViewState;
  readonly #receive: boolean;
  #listeners = new Set<(state: RoomViewState) => void>();

  constructor(options: RoomClientOptions) {
    this.#receive = options.receive ?? true;
    this.signaling = new SignalingClient({ credentials: options.credentials, ...(options.refresh ? { refresh: options.refresh } : {}) });
    this.state = {
      phase: 'connecting',
      connection: 'connecting',
      closed: undefined,
      self: undefined,
      room: undefined,
      participants: [],
      participantCount: 0,
      chat: [],
      alerts: [],
      media: { status: 'unknown', ready: false, rebuilding: false, producers: [], remote: [], local: [], error: undefined },
      notice: undefined,
    };
    this.signaling.on('welcome', (welcome, reconnected) => {
      if (!this.media) {
        this.media = new MediaSession({
          request: (method, data) => this.signaling.request(method, data),
          selfIdentity: welcome.self.identity,
          receive: this.#receive,
          publish: welcome.self.grants.includes('publish'),
          iceServers: () => this.signaling.iceServers,
        });
        this.media.subscribe(() => this.#update({ media: this.media!.snapshot() }));
      } else if (reconnected) {
        this.media.reconnected();
      }
      this.#update({
        self: welcome.self,
        room: welcome.room,
        participants: welcome.participants,
        participantCount: welcome.participantCount,
        chat: welcome.chat.messages,
        alerts: welcome.pinnedAlerts,
      });
    });
    this.signaling.on('message', (m) => this.#onMessage(m));
    this.signaling.on('state', (connection) => this.#update({ connection }));
    this.signaling.on('closed', (closed) => {
      this.media?.close();
      this.#update({ closed });
    });
  }

  connect(): this {
    this.signaling.connect();
    return this;
  }

  subscribe(listener: (state: RoomViewState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #update(patch: Partial<RoomViewState>) {
    const next = { ...this.state, ...patch };
    next.phase = phaseOf(next, this.#receive);
    this.state = next;
    for (const l of this.#listeners) l(next);
  }

  #onMessage(m: ServerMessage) {
    if (m.type.startsWith('media.')) {
      // The media session owns media state (rebuilding included); its snapshot reaches `state`.
      this.media?.handle(m);
      return;
    }
    const s = this.state;
    switch (m.type) {
      case 'participant.joined':
        this.#update({
          participants: [...s.participants.filter((p) => p.identity !== m.participant.identity), m.participant],
          participantCount: m.participantCount,
        });
        break;
      case 'participant.left':
        this.#update({
          participants: s.participants.filter((p) => p.identity !== m.identity),
          participantCount: m.participantCount,
        });
        break;
      case 'presence.count':
        this.#update({ participantCount: m.participantCount });
        break;
      case 'participant.updated': {
        const self = s.self && s.self.identity === m.participant.identity ? { ...s.self, ...m.participant } : s.self;
        this.#update({ self, participants: s.participants.map((p) => (p.identity === m.participant.identity ? m.participant : p)) });
        break;
      }
      case 'chat.message': {
        const { type: _type, ...message } = m;
        this.#update({ chat: [...s.chat, message].slice(-MAX_CHAT) });
        break;
      }
      case 'chat.deleted':
        this.#update({ chat: s.chat.filter((c) => c.id !== m.messageId) });
        break;
      case 'alert.posted':
      case 'alert.pinned':
        this.#update({ alerts: [m.alert, ...s.alerts.filter((a) => a.id !== m.alert.id)].slice(0, MAX_ALERTS) });
        break;
      case 'alert.unpinned':
        this.#update({ alerts: s.alerts.map((a) => (a.id === m.alertId ? { ...a, pinned: false } : a)) });
        break;
      case 'room.updated':
        this.#update({ room: m.room });
        break;
      case 'error':
        this.#update({ notice: m.message });
        break;
      default:
        break;
    }
  }

  /** Sends a frame; a problem (invalid input, not connected) becomes the notice. */
  send(frame: ClientMessageInput): boolean {
    const result = this.signaling.send(frame);
    this.#update({ notice: result.ok ? undefined : result.message });
    return result.ok;
  }

  sendChat(text: string): boolean {
    return this.send({ type: 'chat.send', text, clientId: crypto.randomUUID() });
  }

  can(grant: string): boolean {
    return this.state.self?.grants.includes(grant) ?? false;
  }

  publish(source: MediaSource, track: MediaStreamTrack) {
    return this.media?.publish(source, track);
  }

  leave(): void {
    this.signaling.leave();
  }
}

function phaseOf(s: RoomViewState, receiving: boolean): RoomPhase {
  if (s.closed) return 'ended';
  if (s.connection === 'connecting' || !s.self) return 'connecting';
  if (s.connection === 'reconnecting' || s.media.rebuilding) return 'reconnecting';
  // A viewer is live once the broadcast's video reaches it; a publisher once it publishes.
  const live = receiving
    ? s.media.remote.some((r) => r.producer.kind === 'video')
    : s.media.local.some((l) => l.producerId !== undefined);
  return live ? 'live' : 'waiting';
}
