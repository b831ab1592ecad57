// Where the e2e run's local stack lives: fixed ports apart from `npm run dev` (3000/8787) and the
// unit test services (18xxx), so all three can run side by side. Every fixed port here (and those
// dev.ts derives from the API port: TURN, mail, object store, metrics) is below Linux's ephemeral
// range (32768-60999): a port in that range can be held at any moment by some outgoing connection
// or TIME_WAIT socket of the same run, and the stack then fails to start with "already in use". Read by global-setup.ts (which
// starts the stack) and handed to tests through vitest's provide/inject.
import { envPort as port } from '../../../scripts/local/env-port.ts';

const env = process.env;

export const e2eStack = {
  apiPort: port('E2E_API_PORT', 23787),
  neonProxyPort: port('E2E_NEON_PROXY_PORT', 23789),
  upstashPort: port('E2E_UPSTASH_PORT', 23079),
  webPort: port('E2E_WEB_PORT', 23000),
  /** The local inbox scripts/dev.ts starts for this stack (its default: API port - 762). */
  get inboxPort() {
    return this.apiPort - 762;
  },
  /** The local OpenID Connect provider scripts/dev.ts starts for this stack (its default: API port - 761). */
  get oidcIssuer() {
    return `http://127.0.0.1:${this.apiPort - 761}`;
  },
  /**
   * First of the media node's RTC ports (another engineer's e2e run may hold the default). Plain
   * and pipe transports take theirs from the same range: a recording alone takes four (RTP and
   * RTCP for video and audio), so a range of ten ran dry when a test left a room running.
   */
  mediaRtcMinPort: port('E2E_MEDIA_RTC_MIN_PORT', 22400),
  mediaRtcPortCount: 40,
  /** Owner URL of the e2e database: dropped and recreated each run; dev.ts migrates it. */
  adminDatabaseUrl: env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/roomcast_e2e',
};

declare module 'vitest' {
  export interface ProvidedContext {
    /** The web app, e.g. http://127.0.0.1:23000 */
    webUrl: string;
    /** The API Worker's origin, e.g. http://127.0.0.1:23787 (routes under /api/v1) */
    apiUrl: string;
    /** Owner URL of the e2e database, for fixtures the product has no UI for (e.g. a paid plan). */
    adminDatabaseUrl: string;
    /** The stack's local inbox, e.g. http://127.0.0.1:38025 (JSON at /api/messages?to=) */
    inboxUrl: string;
    /** The stack's local OIDC provider (client roomcast-local, users ada@ and grace@acme.test). */
    oidcIssuer: string;
  }
}
