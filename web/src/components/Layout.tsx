// The signed-in shell: brand, organization switcher, navigation (only what the role may use),
// and the user's sign-out. Stacks into a scrollable nav row on a phone.
import { A, useNavigate, useSubmission } from '@solidjs/router';
import { For, Show, type JSX } from 'solid-js';
import { resendVerificationAction } from '~/account/account-links';
import { can, type Permission, type Role } from '@roomcast/schema';
import { logoutAction } from '~/account/session';
import type { Organization, User } from '~/server/api';

export interface NavItem {
  href: string;
  label: string;
  /** Shown only to roles with this permission. */
  permission?: Permission;
  end?: boolean;
}

export function dashboardNav(slug: string): NavItem[] {
  const base = `/app/${slug}`;
  return [
    { href: base, label: 'Overview', end: true },
    { href: `${base}/rooms`, label: 'Rooms' },
    { href: `${base}/recordings`, label: 'Recordings' },
    { href: `${base}/files`, label: 'Files' },
    { href: `${base}/workspaces`, label: 'Workspaces' },
    { href: `${base}/members`, label: 'Members' },
    { href: `${base}/api-keys`, label: 'API keys', permission: 'apikey.manage' },
    { href: `${base}/webhooks`, label: 'Webhooks', permission: 'webhook.manage' },
    { href: `${base}/security`, label: 'Security', permission: 'security.manage' },
    { href: `${base}/brand`, label: 'Brand' },
    { href: `${base}/plan`, label: 'Plan & usage' },
    { href: `${base}/billing`, label: 'Billing', permission: 'billing.manage' },
  ];
}

export function OrgSwitcher(props: { organizations: Organization[]; current: string }) {
  const navigate = useNavigate();
  return (
    <div class="flex items-center gap-2">
      <label for="org-switcher" class="sr-only">
        Organization
      </label>
      <select
        id="org-switcher"
        class="max-w-[14rem] truncate rounded-md border-0 bg-white py-1.5 pl-3 pr-8 text-sm font-medium text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-500"
        value={props.current}
        onChange={(e) => navigate(`/app/${e.currentTarget.value}`)}
      >
        <For each={props.organizations}>{(o) => <option value={o.slug}>{o.name}</option>}</For>
      </select>
    </div>
  );
}

/** Until the address is verified: what is blocked, and a button for a new link. */
function VerifyEmailBanner(props: { email: string }) {
  const resend = useSubmission(resendVerificationAction);
  const result = () => resend.result as { ok: boolean; message: string } | undefined;
  return (
    <div class="border-b border-amber-200 bg-amber-50" data-testid="verify-email-banner">
      <div class="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3 text-sm text-amber-900">
        <p>
          <strong>Verify your email address.</strong> We sent a link to {props.email}. Until you open it you cannot go live, create API keys or accept invitations.
          <Show when={result()}>{(r) => <span role={r().ok ? 'status' : 'alert'}> {r().message}</span>}</Show>
        </p>
        <form action={resendVerificationAction} method="post">
          <button type="submit" class="rounded-md bg-white px-3 py-1.5 font-semibold text-amber-900 ring-1 ring-inset ring-amber-300 hover:bg-amber-100" disabled={resend.pending}>
            Resend link
          </button>
        </form>
      </div>
    </div>
  );
}

export function Layout(props: {
  user: User;
  organizations: Organization[];
  slug: string;
  role: Role;
  children: JSX.Element;
}) {
  const nav = () => dashboardNav(props.slug).filter((item) => !item.permission || can(props.role, item.permission));
  return (
    <div class="min-h-screen">
      <header class="border-b border-slate-200 bg-white">
        <div class="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
          <div class="flex min-w-0 items-center gap-3">
            <a href="/app" class="flex items-center gap-2 font-bold text-slate-900">
              <span class="inline-block h-6 w-6 rounded-md bg-indigo-600" aria-hidden="true" />
              <span class="hidden sm:inline">Roomcast</span>
            </a>
            <span class="text-slate-300" aria-hidden="true">
              /
            </span>
            <OrgSwitcher organizations={props.organizations} current={props.slug} />
            <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600" data-testid="my-role">
              {props.role}
            </span>
          </div>
          <div class="flex items-center gap-3 text-sm">
            <span class="hidden text-slate-600 md:inline">{props.user.email}</span>
            <a href="/account/sessions" class="rounded-md px-2 py-1 font-medium text-slate-700 hover:bg-slate-100">
              Sessions
            </a>
            <a href="/account/two-factor" class="rounded-md px-2 py-1 font-medium text-slate-700 hover:bg-slate-100">
              Account
            </a>
            <form action={logoutAction} method="post">
              <button type="submit" class="rounded-md px-2 py-1 font-medium text-slate-700 hover:bg-slate-100">
                Sign out
              </button>
            </form>
          </div>
        </div>
        <nav aria-label="Dashboard" class="mx-auto max-w-6xl overflow-x-auto px-4">
          <ul class="flex gap-1 whitespace-nowrap">
            <For each={nav()}>
              {(item) => (
                <li>
                  <A
                    href={item.href}
                    end={item.end ?? false}
                    class="inline-block border-b-2 px-3 py-2 text-sm font-medium"
                    activeClass="border-indigo-600 text-indigo-700"
                    inactiveClass="border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900"
                  >
                    {item.label}
                  </A>
                </li>
              )}
            </For>
          </ul>
        </nav>
      </header>
      <Show when={!props.user.emailVerified}>
        <VerifyEmailBanner email={props.user.email} />
      </Show>
      <div class="mx-auto max-w-6xl px-4 py-6 sm:py-8">{props.children}</div>
    </div>
  );
}
