// Test client for the Worker under workerd. Every call gets its own client IP unless a test pins
// one, so the auth rate limits only bite in the tests about rate limits.
import { env, exports } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { subscriptions, users } from '@roomcast/schema/db';
import { loadConfig } from '../src/config.ts';
import { Database } from '../src/db/database.ts';
import type { Env } from '../src/env.ts';
import worker from '../src/index.ts';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  body?: unknown;
  rawBody?: string;
  token?: string;
  ip?: string;
  headers?: Record<string, string>;
}

export async function api<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {
    'cf-connecting-ip': options.ip ?? `10.${rand()}.${rand()}.${rand()}`,
    ...options.headers,
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers['content-type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const url = path.startsWith('/health') ? `http://roomcast.test${path}` : `http://roomcast.test/api/v1${path}`;
  const response = await exports.default.fetch(new Request(url, { method, headers, body }));
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

/**
 * One request to the Worker under other bindings than the test project's (same services), e.g. a
 * lower limit. The config is parsed once per bindings object, so pass the same object each time.
 */
export async function fetchWith(bindings: Env, request: Request): Promise<ApiResponse> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as Parameters<typeof worker.fetch>[0], bindings, ctx);
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

/** The test project's bindings with some replaced. */
export const bindingsWith = (changes: Partial<Env>): Env => ({ ...(env as unknown as Env), ...changes });

const rand = () => Math.floor(Math.random() * 250) + 1;
export const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;

/**
 * Rate limits count in windows aligned to the epoch, and their sliding estimate weighs the previous
 * window down as the current one goes on, so a burst that straddles a boundary may get one request
 * more than the limit (platform/rate-limit.ts). A test that must hit a limit exactly waits, when
 * fewer than `seconds` are left in the current window, for the next one.
 */
export async function withinOneRateWindow(seconds = 15, windowSeconds = 60): Promise<void> {
  const left = windowSeconds - ((Date.now() / 1000) % windowSeconds);
  if (left < seconds) await new Promise((resolve) => setTimeout(resolve, left * 1000 + 100));
}

export interface Tenant {
  token: string;
  userId: string;
  email: string;
  organizationId: string;
  workspaceId: string;
}

/**
 * A fresh user with their own organization (on Starter) and its default workspace. The address is
 * marked verified straight in the database (a fixture, like setPlan), so tests about other things
 * may go live and create keys; the verification flow itself is proven in account-links.test.ts.
 */
export async function signUp(label = 'owner', options: { verified?: boolean } = {}): Promise<Tenant> {
  const email = `${unique(label)}@example.test`;
  const res = await api('POST', '/auth/signup', {
    body: { email, password: 'correct horse battery', name: `${label} user`, organizationName: `${label} org` },
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  const workspaces = await api('GET', `/organizations/${res.body.organization.id}/workspaces`, { token: res.body.token });
  if (options.verified !== false) await markEmailVerified(res.body.user.id);
  return {
    token: res.body.token,
    userId: res.body.user.id,
    email,
    organizationId: res.body.organization.id,
    workspaceId: workspaces.body.workspaces[0].id,
  };
}

/**
 * Moves an organization to another plan the way billing does: an update of its subscription row,
 * made through the API's own database role under the tenant's RLS scope.
 */
export async function setPlan(tenant: Tenant, planId: 'starter' | 'professional' | 'business' | 'enterprise', status: 'active' | 'past_due' | 'canceled' = 'active', pastDueSince?: Date) {
  const db = new Database(loadConfig(env as unknown as Env));
  try {
    await db.scoped({ organizationId: tenant.organizationId }, (tx) =>
      tx.update(subscriptions).set({ planId, status, pastDueSince: pastDueSince ?? null }).where(eq(subscriptions.organizationId, tenant.organizationId)),
    );
  } finally {
    await db.close();
  }
}

/** Invites a fresh user into the tenant's organization with `role` and accepts as them. */
export async function addMember(owner: Tenant, role: string): Promise<Tenant> {
  const member = await signUp(role);
  const invite = await api('POST', `/organizations/${owner.organizationId}/invitations`, { token: owner.token, body: { email: member.email, role } });
  if (invite.status !== 201) throw new Error(`invite failed: ${JSON.stringify(invite.body)}`);
  const accepted = await api('POST', '/invitations/accept', { token: member.token, body: { token: invite.body.token } });
  if (accepted.status !== 200) throw new Error(`accept failed: ${JSON.stringify(accepted.body)}`);
  return member;
}

/** Ends the organization's trial (as if its trial days had passed), the way time would. */
export async function endTrial(tenant: Tenant) {
  const db = new Database(loadConfig(env as unknown as Env));
  try {
    await db.scoped({ organizationId: tenant.organizationId }, (tx) =>
      tx.update(subscriptions).set({ trialEndsAt: new Date(Date.now() - 60_000) }).where(eq(subscriptions.organizationId, tenant.organizationId)),
    );
  } finally {
    await db.close();
  }
}

/** Marks a user's address verified, as their verification link would. */
export async function markEmailVerified(userId: string) {
  const db = new Database(loadConfig(env as unknown as Env));
  try {
    await db.global((tx) => tx.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, userId)));
  } finally {
    await db.close();
  }
}
