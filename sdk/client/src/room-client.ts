// One participant's view of a room: the signaling socket, the media session and the room state
// built from validated frames (participants, chat, alerts, room settings, what is live). The web
// app's Solid pages subscribe to `state`, and so can any page using the SDK; everything they do
// goes through the methods here. `on(type, ...)` hands out the room's events, typed.
import type { RtmpOutputStatus } from '@roomcast/schema/api';
import type { Alert, BackstageMessage, ChatMessage, ClientMessageInput, MediaSource, Participant, RoomState, ServerMessage, ServerMessageOf } from '@roomcast/schema/protocol';
import { captureTrack, type CaptureOptions } from './capture';
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
  /** The studio's backstage chat (hosts, co-hosts and guests; empty for everyone else). */
  backstage: BackstageMessage[];
  /** Backstage guests' latest camera thumbnails, by identity (hosts and co-hosts). */
  previews: Record<string, string>;
  /** Multistream destinations and their states, as the room pushes them (hosts and co-hosts; undefined until the first). */
  egressOutputs: RtmpOutputStatus[] | undefined;
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
  /** Receive the studio program too (a monitor of what is recorded); players leave it off. */
  receiveProgram?: boolean;
}

export class RoomClient {
  readonly signaling: SignalingClient;
  media: MediaSession | undefined;
  state: RoomViewState;
  readonly #receive: boolean;
  readonly #receiveProgram: boolean;
  #listeners = new Set<(state: RoomViewState) => void>();
  /** Settles at the first welcome (media can be published from then on) or when the room closes first. */
  readonly #ready: Promise<void>;

  constructor(options: RoomClientOptions) {
    this.#receive = options.receive ?? true;
    this.#receiveProgram = options.receiveProgram ?? false;
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
      backstage: [],
      previews: {},
      egressOutputs: undefined,
      media: { status: 'unknown', ready: false, rebuilding: false, producers: [], remote: [], local: [], error: undefined },
      notice: undefined,
    };
    this.signaling.on('welcome', (welcome, reconnected) => {
      if (!this.media) {
        this.media = new MediaSession({
          request: (method, data) => this.signaling.request(method, data),
          selfIdentity: welcome.self.identity,
          receive: this.#receive,
          receiveProgram: this.#receiveProgram,
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
        backstage: welcome.backstage ?? [],
      });
    });
    this.#ready = new Promise((resolve, reject) => {
      this.signaling.on('welcome', () => resolve());
      this.signaling.on('closed', (closed) => reject(new Error(closed.message)));
    });
    this.#ready.catch(() => {}); // nobody may wait for it
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

  /** Resolves once the room has welcomed this participant; rejects if it refused or ended first. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /**
   * Every validated frame of one type the room sends (`chat.message`, `alert.posted`,
   * `participant.joined`, `room.ended`, `media.producer_added`...), typed by `type`.
   */
  on<T extends ServerMessage['type']>(type: T, listener: (message: ServerMessageOf<T>) => void): () => void {
    return this.signaling.on('message', (m) => {
      if (m.type === type) listener(m as ServerMessageOf<T>);
    });
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
      case 'room.updated': {
        // A guest who went on stage no longer sends a backstage thumbnail.
        const stage = new Set(m.room.studio?.stage ?? []);
        const previews = Object.fromEntries(Object.entries(s.previews).filter(([identity]) => !stage.has(identity)));
        this.#update({ room: m.room, previews });
        break;
      }
      case 'backstage.message':
        this.#update({ backstage: [...s.backstage, m.message].slice(-MAX_CHAT) });
        break;
      case 'backstage.preview':
        this.#update({ previews: { ...s.previews, [m.identity]: m.image } });
        break;
      case 'egress.outputs':
        this.#update({ egressOutputs: m.outputs });
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

  /** A message in the studio's backstage chat (hosts, co-hosts and guests only). */
  sendBackstage(text: string): boolean {
    return this.send({ type: 'backstage.send', text });
  }

  /** Posts an alert (the `alerts` grant): a trade call, a warning, pinned or not. */
  postAlert(alert: Omit<Extract<ClientMessageInput, { type: 'alert.post' }>, 'type' | 'id'>): boolean {
    return this.send({ type: 'alert.post', ...alert });
  }

  can(grant: string): boolean {
    return this.state.self?.grants.includes(grant) ?? false;
  }

  /** Publishes (or replaces) the track for `source`; before the welcome it does nothing (see `publishSource`). */
  publish(source: MediaSource, track: MediaStreamTrack) {
    return this.media?.publish(source, track);
  }

  /**
   * Captures `source` from the browser (camera, microphone or screen), waits for the room's welcome
   * and publishes it (the camera as 3-layer simulcast). Returns the track: stop it to unpublish.
   */
  async publishSource(source: MediaSource, options: CaptureOptions = {}): Promise<MediaStreamTrack> {
    const track = await captureTrack(source, options);
    await this.ready();
    if (!this.can('publish')) {
      track.stop();
      throw new Error('This room token may not publish');
    }
    await this.media!.publish(source, track);
    return track;
  }

  /** Asks for the simulcast layer (0 = quarter, 1 = half, 2 = full resolution) of what `source` this participant receives. */
  setPreferredLayer(source: MediaSource, spatialLayer: number): void {
    this.media?.setPreferredLayer(source, spatialLayer);
  }

  /** Inbound video per received producer: frames decoded and width (what a player shows). */
  videoStats() {
    return this.media?.inboundVideoStats() ?? Promise.resolve([]);
  }

  leave(): void {
    this.signaling.leave();
  }
}

function phaseOf(s: RoomViewState, receiving: boolean): RoomPhase {
  if (s.closed) return 'ended';
  if (s.connection === 'connecting' || !s.self) return 'connecting';
  if (s.connection === 'reconnecting' || s.media.rebuilding) return 'reconnecting';
  // A viewer is live once the broadcast's video reaches it; a publisher once it publishes (a host
  // who also receives, in the studio, is live by publishing).
  const live = s.media.local.some((l) => l.producerId !== undefined) || (receiving && s.media.remote.some((r) => r.producer.kind === 'video'));
  return live ? 'live' : 'waiting';
}
