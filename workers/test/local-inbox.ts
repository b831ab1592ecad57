// The local mail service's inbox (scripts/local/mail.ts), as the Worker tests read it: the mails
// the Worker sent through its email API client and the local SMTP server.
import { env } from 'cloudflare:workers';
import type { Env } from '../src/env.ts';

export const mailUrl = (env as unknown as Env).EMAIL_API_URL!;

export interface Mail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** The mails to `email`, newest first, once there are at least `count` (polls up to 10 s). */
export async function inbox(email: string, count = 1): Promise<Mail[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${mailUrl}/api/messages?to=${encodeURIComponent(email)}`);
    const { messages } = (await res.json()) as { messages: Mail[] };
    if (messages.length >= count) return messages;
    if (Date.now() > deadline) throw new Error(`expected ${count} mail(s) to ${email}, found ${messages.length}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
