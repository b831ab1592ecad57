// The one way the Worker sends mail: an HTTP email API configured once (EMAIL_API_URL,
// EMAIL_API_KEY, EMAIL_FROM). In production that is the provider's API (`POST /emails` with a
// bearer key and {from, to, subject, text, html}, the shape Resend and several others accept);
// under `npm run dev` and in tests it is the local mail service (scripts/local/mail-server.ts),
// which delivers through a real SMTP server into an inbox you open in the browser.
import type { Config } from '../config.ts';
import type { RenderedMail } from './templates.ts';

export interface MailConfig {
  apiUrl: string;
  apiKey: string;
  from: string;
}

export class MailError extends Error {}

/** Sends one message; throws MailError when the API refuses it or cannot be reached. */
export async function sendMail(config: Config, to: string, mail: RenderedMail): Promise<void> {
  const mailer = config.mail;
  if (!mailer) {
    // Only outside production (config.ts requires the settings there): say what was not sent.
    console.warn(`mail not sent (EMAIL_API_URL is not set): "${mail.subject}" to ${to}`);
    return;
  }
  let response: Response;
  try {
    response = await fetch(new URL('/emails', mailer.apiUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${mailer.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: mailer.from, to: [to], subject: mail.subject, text: mail.text, html: mail.html }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (cause) {
    throw new MailError(`the email API cannot be reached: ${String(cause)}`);
  }
  if (!response.ok) {
    throw new MailError(`the email API answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
}

/**
 * Sends after the response: the caller's answer (and its timing) must not depend on the mail, so a
 * reset request for an unknown address looks like one for a known address. Failures are logged.
 */
export function sendMailLater(ctx: { waitUntil(p: Promise<unknown>): void }, config: Config, to: string, mail: RenderedMail): void {
  ctx.waitUntil(sendMail(config, to, mail).catch((error: unknown) => console.error(`mail to ${to} failed: ${(error as Error).message}`)));
}
