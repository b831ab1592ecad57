// The local mail service of `npm run dev` and the test stacks: a real SMTP server (smtp-server,
// mailparser) whose inbox a developer opens in the browser and tests read as JSON, and, on the same
// HTTP port, the HTTP email API the Worker sends through (the `POST /emails` shape of the
// production provider, see workers/src/mail/mailer.ts). The API hands every message to the SMTP
// server with nodemailer, so mail takes the same SMTP path any other client of that server would.
//
//   GET  /                    the inbox (newest first), GET /messages/{id} one message
//   GET  /api/messages?to=x   the inbox as JSON (optionally only mail to one address)
//   POST /emails              {from, to, subject, text, html} with `Authorization: Bearer <token>`
//   GET  /health
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';

/** The body of GET /health: how test setups recognise a mail service another run already started. */
export const MAIL_HEALTH = 'roomcast local mail';
/** Messages kept in memory; older ones are dropped. */
const INBOX_SIZE = 500;
const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

export interface InboxMessage {
  id: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  receivedAt: string;
}

export interface LocalMail {
  smtpPort: number;
  /** The inbox and email API, e.g. http://127.0.0.1:8025 */
  httpUrl: string;
  close(): Promise<void>;
}

export interface LocalMailOptions {
  smtpPort: number;
  httpPort: number;
  /** Bearer token the email API expects (the Worker's EMAIL_API_KEY). */
  apiToken: string;
  log?: (line: string) => void;
}

export async function startLocalMail(options: LocalMailOptions): Promise<LocalMail> {
  const log = options.log ?? (() => {});
  const inbox: InboxMessage[] = [];
  let sequence = 0;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    banner: 'Roomcast local inbox',
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const to = [mail.to].flat().flatMap((a) => a?.value ?? []).map((a) => (a.address ?? '').toLowerCase());
          inbox.unshift({
            id: `${Date.now().toString(36)}-${++sequence}`,
            from: mail.from?.text ?? '',
            to,
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            receivedAt: new Date().toISOString(),
          });
          inbox.length = Math.min(inbox.length, INBOX_SIZE);
          log(`mail to ${to.join(', ')}: ${mail.subject ?? ''}`);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort, '127.0.0.1', () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const relay = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });

  const http = createServer((req, res) => {
    handle(req, res).catch((error: Error) => send(res, 500, { error: { code: 'internal', message: error.message } }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://local');
    if (req.method === 'GET' && url.pathname === '/health') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(MAIL_HEALTH);
    if (req.method === 'GET' && url.pathname === '/api/messages') {
      const to = url.searchParams.get('to')?.toLowerCase();
      return send(res, 200, { messages: to ? inbox.filter((m) => m.to.includes(to)) : inbox });
    }
    if (req.method === 'POST' && url.pathname === '/emails') return acceptEmail(req, res);
    if (req.method === 'GET' && url.pathname === '/') return page(res, inboxPage(inbox));
    const one = /^\/messages\/([\w-]+)$/.exec(url.pathname);
    const message = one && inbox.find((m) => m.id === one[1]);
    if (req.method === 'GET' && message) return page(res, messagePage(message));
    return send(res, 404, { error: { code: 'not_found', message: 'Not found' } });
  }

  async function acceptEmail(req: IncomingMessage, res: ServerResponse) {
    if (req.headers.authorization !== `Bearer ${options.apiToken}`) {
      return send(res, 401, { error: { code: 'unauthorized', message: 'Missing or wrong API key' } });
    }
    let body: { from?: unknown; to?: unknown; subject?: unknown; text?: unknown; html?: unknown };
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, { error: { code: 'invalid_json', message: 'The body must be JSON' } });
    }
    const to = [body.to].flat();
    const strings = [body.from, body.subject, body.text, body.html, ...to];
    if (to.length === 0 || strings.some((s) => typeof s !== 'string')) {
      return send(res, 422, { error: { code: 'validation_error', message: 'from, to, subject, text and html are required strings' } });
    }
    const info = await relay.sendMail({ from: body.from as string, to: to as string[], subject: body.subject as string, text: body.text as string, html: body.html as string });
    return send(res, 200, { id: info.messageId });
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.httpPort, '127.0.0.1', () => resolve());
  });
  const httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    smtpPort,
    httpUrl,
    async close() {
      relay.close();
      http.closeAllConnections();
      await Promise.all([new Promise<void>((r) => http.close(() => r())), new Promise<void>((r) => smtp.close(() => r()))]);
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_MESSAGE_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function page(res: ServerResponse, html: string) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self' data:" }).end(html);
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = 'body{font:14px system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse;width:100%}td,th{padding:.4rem .6rem;border-bottom:1px solid #ddd;text-align:left}pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}iframe{width:100%;height:28rem;border:1px solid #ddd}';

function inboxPage(inbox: InboxMessage[]): string {
  const rows = inbox
    .map((m) => `<tr><td>${escape(m.receivedAt)}</td><td>${escape(m.to.join(', '))}</td><td><a href="/messages/${m.id}">${escape(m.subject || '(no subject)')}</a></td></tr>`)
    .join('');
  return `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Local inbox</title><style>${STYLE}</style>
<h1>Local inbox</h1><p>Every mail the local stack sends lands here (newest first, refreshed every 5 s).</p>
<table><tr><th>received</th><th>to</th><th>subject</th></tr>${rows || '<tr><td colspan="3">No mail yet.</td></tr>'}</table>`;
}

function messagePage(m: InboxMessage): string {
  // The HTML part is shown in a sandboxed frame: its scripts never run, its links still work.
  return `<!doctype html><meta charset="utf-8"><title>${escape(m.subject)}</title><style>${STYLE}</style>
<p><a href="/">&larr; Inbox</a></p><h1>${escape(m.subject)}</h1>
<p>From ${escape(m.from)} to ${escape(m.to.join(', '))}, ${escape(m.receivedAt)}</p>
<h2>HTML</h2><iframe sandbox="allow-popups allow-top-navigation-by-user-activation" srcdoc="${escape(m.html)}"></iframe>
<h2>Text</h2><pre>${escape(m.text)}</pre>`;
}
