// ICE-lite responder for one transport (RFC 8445 §2.5): answers Binding requests whose
// MESSAGE-INTEGRITY and FINGERPRINT check out with our password, selects the tuple the controlling
// side nominates, and enforces consent freshness (RFC 7675): no valid request for 30 s and the
// transport is disconnected.
import { randomBytes } from 'node:crypto';
import { Message, classes, methods, parseMessage } from 'werift';
import type { IceParameters, IceState } from '../rtp-parameters.ts';
import type { RemoteAddress } from './udp-mux.ts';

export const CONSENT_TIMEOUT_MS = 30_000;

export interface IceLiteEvents {
  /** A binding response ready to go out. */
  send(data: Buffer, to: RemoteAddress): void;
  /** The tuple media flows on changed (first nomination, or the client moved). */
  selectedTuple(tuple: RemoteAddress): void;
  stateChange(state: IceState): void;
}

export class IceLite {
  ufrag = randomIceString(16);
  password = randomIceString(32);
  state: IceState = 'new';
  selected: RemoteAddress | undefined;
  /** Requests dropped for a bad integrity, fingerprint, or username. */
  rejectedRequests = 0;
  #lastConsent = 0;
  #consentTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly events: IceLiteEvents,
    private readonly consentTimeoutMs = CONSENT_TIMEOUT_MS,
  ) {}

  get parameters(): IceParameters {
    return { usernameFragment: this.ufrag, password: this.password, iceLite: true };
  }

  /** New credentials; the selected tuple stays until a check with the new ones nominates one. */
  restart(): IceParameters {
    this.ufrag = randomIceString(16);
    this.password = randomIceString(32);
    return this.parameters;
  }

  handleStun(data: Buffer, from: RemoteAddress): void {
    const request = parseMessage(data, Buffer.from(this.password));
    // parseMessage returns undefined when MESSAGE-INTEGRITY or FINGERPRINT do not match.
    if (!request || request.messageMethod !== methods.BINDING || request.messageClass !== classes.REQUEST) {
      this.rejectedRequests++;
      return;
    }
    const username = request.getAttributeValue('USERNAME');
    if (typeof username !== 'string' || !username.startsWith(`${this.ufrag}:`)) {
      this.rejectedRequests++;
      return;
    }
    const response = new Message(methods.BINDING, classes.RESPONSE, request.transactionId)
      .setAttribute('XOR-MAPPED-ADDRESS', [from.address, from.port])
      .addMessageIntegrity(Buffer.from(this.password))
      .addFingerprint();
    this.events.send(response.bytes, from);

    const nominated = request.attributesKeys.includes('USE-CANDIDATE');
    const isSelected = this.selected?.address === from.address && this.selected.port === from.port && this.selected.tcp?.id === from.tcp?.id;
    if (isSelected) this.#lastConsent = Date.now();
    if (nominated && !isSelected) {
      this.selected = { ...from };
      this.#lastConsent = Date.now();
      this.events.selectedTuple(this.selected);
    }
    if (this.selected && this.state !== 'completed' && this.state !== 'connected' && (nominated || isSelected)) {
      this.#setState('connected');
      this.#startConsentTimer();
    }
  }

  close(): void {
    clearInterval(this.#consentTimer);
    this.#setState('closed');
  }

  #startConsentTimer(): void {
    if (this.#consentTimer) return;
    const every = Math.max(100, Math.min(5_000, this.consentTimeoutMs / 4));
    this.#consentTimer = setInterval(() => {
      if (this.state === 'connected' && Date.now() - this.#lastConsent > this.consentTimeoutMs) {
        this.#setState('disconnected');
      }
    }, every);
    this.#consentTimer.unref();
  }

  #setState(state: IceState): void {
    if (this.state === state || this.state === 'closed') return;
    this.state = state;
    this.events.stateChange(state);
  }
}

// ICE strings: 4+ chars of [A-Za-z0-9+/]; hex keeps them SDP-safe.
const randomIceString = (length: number) => randomBytes(length / 2).toString('hex');
