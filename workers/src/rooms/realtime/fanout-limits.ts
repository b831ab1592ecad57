// Rate limits on the client messages that make the room send to everyone or read its history.
// Chat and alerts have their own per-author limit (chat-limits.ts); these cover the rest, so no
// participant (a guest included) can turn the room into an amplifier. Keyed by identity rather
// than socket, so reconnecting does not refill the budget.
import { CLOSE_CODES, ProtocolError, type ClientMessage } from '@roomcast/schema/protocol';
import { RateWindow } from './rate-window.ts';

export type Budget = 'hand' | 'history' | 'moderation' | 'join' | 'backstage' | 'preview';

/** Per identity, per 10 s (joins: per minute, per identity and per guest client). */
export const FANOUT_LIMITS: Record<Budget, { limit: number; windowMs: number }> = {
  /** Raising and lowering one's own hand: a person does it a few times, not hundreds. */
  hand: { limit: 6, windowMs: 10_000 },
  /** chat.history pages (up to 100 messages each). */
  history: { limit: 10, windowMs: 10_000 },
  /** Moderator actions and deletes/pins: enough to clear a spam wave, not to flood. */
  moderation: { limit: 30, windowMs: 10_000 },
  /** Hellos: each join and each replaced presence is announced to the room. */
  join: { limit: 20, windowMs: 60_000 },
  /** Backstage chat messages: a conversation, not a flood. */
  backstage: { limit: 15, windowMs: 10_000 },
  /** Backstage camera thumbnails: one a second, with slack for a slow client's bursts. */
  preview: { limit: 15, windowMs: 10_000 },
};

const LABELS: Record<Budget, string> = {
  hand: 'hand raises and lowers',
  history: 'history requests',
  moderation: 'moderation actions',
  join: 'joins',
  backstage: 'backstage messages',
  preview: 'backstage previews',
};

/** Which budget a joined participant's message spends, if any. */
export function budgetOf(message: ClientMessage, self: string): Budget | undefined {
  switch (message.type) {
    case 'hand.raise':
      return 'hand';
    case 'hand.lower':
      return message.identity === undefined || message.identity === self ? 'hand' : 'moderation';
    case 'chat.history':
      return 'history';
    case 'backstage.send':
      return 'backstage';
    case 'backstage.preview':
      return 'preview';
    case 'chat.delete':
    case 'alert.pin':
    case 'alert.unpin':
    case 'moderation.mute':
    case 'moderation.kick':
    case 'moderation.ban':
    case 'moderation.slow_mode':
    case 'moderation.chat':
    case 'stage.move':
    case 'stage.mute':
    case 'studio.layout':
    case 'banner.show':
    case 'banner.hide':
      return 'moderation';
    default:
      return undefined;
  }
}

export class FanoutLimits {
  readonly #windows = new Map<Budget, RateWindow>(
    (Object.keys(FANOUT_LIMITS) as Budget[]).map((b) => [b, new RateWindow(FANOUT_LIMITS[b].limit, FANOUT_LIMITS[b].windowMs)]),
  );

  /** Throws rate_limited when `key` has spent its `budget`; `close` for limits on joining. */
  check(budget: Budget, key: string, now: number, close = false): void {
    const wait = this.#windows.get(budget)!.take(key, now);
    if (wait === 0) return;
    const { limit, windowMs } = FANOUT_LIMITS[budget];
    throw new ProtocolError('rate_limited', `At most ${limit} ${LABELS[budget]} per ${windowMs / 1000} s; wait ${Math.ceil(wait / 1000)} s`, close ? CLOSE_CODES.policy : undefined);
  }
}
