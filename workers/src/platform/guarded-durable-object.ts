// The one base of our Durable Objects: every runtime entry point (fetch, each webSocket* hook,
// alarm) is wrapped here once, so an error is logged and answered, never thrown out of the
// object. A throw escaping a hook would reset the object (dropping every socket's in-memory
// state) or, in alarm(), skip the re-arm that keeps the object's housekeeping alive.
// Subclasses implement the on* handlers; RPC methods stay ordinary methods (their callers get the
// error as a rejected promise, which is the answer they expect).
import { DurableObject } from 'cloudflare:workers';
import { CLOSE_CODES } from '@roomcast/schema/protocol';

export abstract class GuardedDurableObject<E = unknown> extends DurableObject<E> {
  /** When an alarm handler failed, the alarm runs again this much later. */
  protected alarmRetryMs = 5_000;

  protected abstract onFetch(request: Request): Promise<Response>;
  protected abstract onMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void>;
  /** A socket closed (cleanly or not) or failed: `code` 1006 for an error. */
  protected abstract onClose(ws: WebSocket, code: number, reason: string): Promise<void>;
  protected abstract onAlarm(): Promise<void>;

  override async fetch(request: Request): Promise<Response> {
    try {
      return await this.onFetch(request);
    } catch (error) {
      this.#log('fetch', error);
      return Response.json({ error: { code: 'internal', message: 'Something went wrong on our side' } }, { status: 500 });
    }
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    try {
      await this.onMessage(ws, data);
    } catch (error) {
      // The handler's own error frames cover expected failures; this is a bug. 1011 tells the peer
      // the server failed, so it reconnects (and resumes) instead of waiting on a silent socket.
      this.#log('webSocketMessage', error);
      try {
        ws.close(CLOSE_CODES.internal, 'internal error');
      } catch {
        // already closed
      }
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      await this.onClose(ws, code, reason);
    } catch (error) {
      this.#log('webSocketClose', error);
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    try {
      await this.onClose(ws, 1006, 'error');
    } catch (error) {
      this.#log('webSocketError', error);
    }
  }

  override async alarm(): Promise<void> {
    try {
      await this.onAlarm();
    } catch (error) {
      this.#log('alarm', error);
      try {
        await this.ctx.storage.setAlarm(Date.now() + this.alarmRetryMs);
      } catch (rearm) {
        this.#log('alarm re-arm', rearm);
      }
    }
  }

  #log(hook: string, error: unknown): void {
    console.error(`${this.constructor.name}.${hook} failed`, error);
  }
}
