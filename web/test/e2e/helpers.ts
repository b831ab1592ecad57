// What the dashboard tests share: the stack's URLs, unique people, signing up through the real
// pages, raw API calls (to prove what the API accepts), and the one database fixture the product
// has no local UI for (putting an organization on a paid plan, which Stripe would do).
import { expect } from 'vitest';
import { inject } from 'vitest';
import pg from 'pg';
import type { Page } from 'playwright-core';
import type { TestBrowser } from './browser.ts';

export const webUrl = () => inject('webUrl');
export const apiUrl = () => inject('apiUrl');

export const PASSWORD = 'a long test password';

let sequence = 0;
export function uniqueEmail(tag: string): string {
  return `${tag}-${Date.now().toString(36)}-${++sequence}@e2e.example.com`;
}

export interface Account {
  name: string;
  email: string;
  organizationName: string;
}

export function newAccount(tag: string): Account {
  const email = uniqueEmail(tag);
  return { name: `${tag[0]!.toUpperCase()}${tag.slice(1)} Tester`, email, organizationName: `${tag} desk ${Date.now().toString(36)}${sequence}` };
}

export interface InboxMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** The stack's local inbox for one address, newest first. */
export async function inbox(email: string): Promise<InboxMail[]> {
  const res = await fetch(`${inject('inboxUrl')}/api/messages?to=${encodeURIComponent(email)}`);
  return ((await res.json()) as { messages: InboxMail[] }).messages;
}

/** The newest mail to `email` with a link to `path` that is not in `seen` (polls the inbox for up to 15 s). */
export async function waitForMail(email: string, path: string, seen: string[] = []): Promise<InboxMail> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const mail = (await inbox(email)).find((m) => m.text.includes(`${path}?token=`) && !seen.includes(mailLink(m, path)));
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no new mail with a ${path} link reached ${email} in the local inbox`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The first link to `path` (e.g. /verify-email) in a mail's text. */
export function mailLink(mail: InboxMail, path: string): string {
  const link = new RegExp(`https?://\\S+${path}\\?token=[A-Za-z0-9_-]+`).exec(mail.text)?.[0];
  if (!link) throw new Error(`no ${path} link in the mail "${mail.subject}"`);
  return link;
}

/** Opens the verification link from the local inbox in `page` and confirms, as the person would. */
export async function verifyEmailFromInbox(page: Page, email: string): Promise<void> {
  await page.goto(mailLink(await waitForMail(email, '/verify-email'), '/verify-email'));
  await page.getByRole('button', { name: 'Verify my email address' }).click();
  await page.getByText(`${email} is verified.`).waitFor();
}

/**
 * Signs up through /signup and waits for the organization overview; returns the org slug. Unless
 * `verify` is false the address is then verified through the mailed link (going live, API keys and
 * invitations need it), and the page is back on the overview.
 */
export async function signUp(page: Page, account: Account, path = '/signup', options: { verify?: boolean } = {}): Promise<string> {
  await page.goto(`${webUrl()}${path}`);
  await page.getByLabel('Your name').fill(account.name);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Organization name').fill(account.organizationName);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/app\/[a-z0-9-]+$/);
  const overview = page.url();
  if (options.verify !== false) {
    await verifyEmailFromInbox(page, account.email);
    await page.goto(overview);
  }
  return new URL(overview).pathname.split('/')[2]!;
}

export async function logIn(page: Page, email: string, next?: string): Promise<void> {
  await page.goto(`${webUrl()}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/** A raw call to the API Worker, as a developer's script would make it. */
export async function callApi(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { 'cf-connecting-ip': '127.0.0.77' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${apiUrl()}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

/** Puts an organization on a plan, as a Stripe subscription would (billing is not under test here). */
export async function setPlan(orgSlug: string, planId: 'starter' | 'professional' | 'business' | 'enterprise') {
  const client = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  client.on('error', () => {});
  await client.connect();
  try {
    const result = await client.query(
      `update subscriptions set plan_id = $2, status = 'active'
         where organization_id = (select id from organizations where slug = $1)`,
      [orgSlug, planId],
    );
    expect(result.rowCount).toBe(1);
  } finally {
    await client.end();
  }
}

/** A session token for `email`, straight from the API (the browser never sees its own). */
export async function apiToken(email: string): Promise<string> {
  const res = await callApi('/auth/login', { method: 'POST', body: { email, password: PASSWORD } });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

/** The organization id behind a slug, as the API reports it to a member. */
export async function organizationId(token: string, slug: string): Promise<string> {
  const res = await callApi('/organizations', { token });
  const org = (res.body.organizations as { id: string; slug: string }[]).find((o) => o.slug === slug);
  expect(org).toBeDefined();
  return org!.id;
}

/**
 * Waits until the page's room client has produced every one of `sources` on the media node (a host
 * studio publishes camera, microphone and the program; a guest camera and microphone).
 */
export async function waitForPublished(page: Page, sources: string[], timeoutMs = 45_000): Promise<void> {
  await page
    .waitForFunction(
      (wanted) => {
        const produced = new Set((window.__roomcast?.state().media.local ?? []).filter((l) => l.producerId).map((l) => l.source as string));
        return wanted.every((s) => produced.has(s));
      },
      sources,
      { timeout: timeoutMs },
    )
    .catch(async (error: unknown) => {
      const media = await page.evaluate(() => {
        const m = window.__roomcast?.state().media;
        return { status: m?.status, error: m?.error, local: m?.local.map((l) => [l.source, l.producerId ?? null]) };
      });
      throw new Error(`not all of ${sources.join(', ')} were published: ${JSON.stringify(media)}`, { cause: error });
    });
}

/** What the host's studio publishes while live. */
export const STUDIO_SOURCES = ['camera', 'microphone', 'program', 'program_audio'];

export interface LiveRoom {
  orgSlug: string;
  roomSlug: string;
  host: Page;
  /** The host's API session and organization, for setting things up through the API. */
  token: string;
  orgId: string;
  roomId: string;
}

/**
 * A host signs up through the pages (on `plan`, if given), creates a public room `{tag}-desk`
 * through the API, and goes live in the studio: camera, microphone and the program produced.
 */
export async function hostGoesLive(chromium: TestBrowser, tag: string, options: { plan?: Parameters<typeof setPlan>[1] } = {}): Promise<LiveRoom> {
  const context = await chromium.newContext({ permissions: ['camera', 'microphone'] });
  const host = await context.newPage();
  const account = newAccount(tag);
  const orgSlug = await signUp(host, account);
  if (options.plan) await setPlan(orgSlug, options.plan);
  const token = await apiToken(account.email);
  const orgId = await organizationId(token, orgSlug);
  const workspaces = await callApi(`/organizations/${orgId}/workspaces`, { token });
  const roomSlug = `${tag}-desk`;
  const created = await callApi(`/organizations/${orgId}/rooms`, {
    method: 'POST',
    token,
    body: { workspaceId: workspaces.body.workspaces[0].id, title: `${tag} desk`, slug: roomSlug, visibility: 'public' },
  });
  expect(created.status).toBe(201);

  await host.goto(`${webUrl()}/r/${orgSlug}/${roomSlug}/host`);
  await host.getByTestId('studio-preview').waitFor();
  await host.getByTestId('go-live').click();
  await waitForPublished(host, STUDIO_SOURCES);
  expect(await host.getByTestId('room-phase').getAttribute('data-phase')).toBe('live');
  return { orgSlug, roomSlug, host, token, orgId, roomId: created.body.id };
}

/** A file uploaded to the organization the way the Files page does it (presigned PUT, then complete); returns its id. */
export async function uploadFile(room: Pick<LiveRoom, 'orgId' | 'token'>, name: string, contentType: string, body: string | Uint8Array): Promise<string> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const created = await callApi(`/organizations/${room.orgId}/files`, { method: 'POST', token: room.token, body: { name, contentType, sizeBytes: bytes.byteLength } });
  expect(created.status).toBe(201);
  expect(created.body.upload.kind).toBe('single');
  expect((await fetch(created.body.upload.url, { method: 'PUT', headers: created.body.upload.headers, body: new Blob([bytes as Uint8Array<ArrayBuffer>]) })).status).toBe(200);
  expect((await callApi(`/organizations/${room.orgId}/files/${created.body.file.id}/complete`, { method: 'POST', token: room.token, body: {} })).status).toBe(200);
  return created.body.file.id as string;
}
