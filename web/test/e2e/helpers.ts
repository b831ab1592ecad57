// What the dashboard tests share: the stack's URLs, unique people, signing up through the real
// pages, raw API calls (to prove what the API accepts), and the one database fixture the product
// has no local UI for (putting an organization on a paid plan, which Stripe would do).
import { expect } from 'vitest';
import { inject } from 'vitest';
import pg from 'pg';
import type { Page } from 'playwright-core';

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

/** Signs up through /signup and waits for the organization overview; returns the org slug. */
export async function signUp(page: Page, account: Account, path = '/signup'): Promise<string> {
  await page.goto(`${webUrl()}${path}`);
  await page.getByLabel('Your name').fill(account.name);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Organization name').fill(account.organizationName);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/app\/[a-z0-9-]+$/);
  return new URL(page.url()).pathname.split('/')[2]!;
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
