import { Title } from '@solidjs/meta';
import type { JSX } from 'solid-js';

/** Centered card for the signed-out pages (login, signup, invitation). */
export function AuthLayout(props: { title: string; children: JSX.Element; footer?: JSX.Element }) {
  return (
    <main class="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      <Title>{`${props.title} · Roomcast`}</Title>
      <a href="/" class="mb-8 flex items-center gap-2 text-xl font-bold text-slate-900">
        <span class="inline-block h-7 w-7 rounded-lg bg-indigo-600" aria-hidden="true" />
        Roomcast
      </a>
      <div class="w-full max-w-md rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200 sm:p-8">
        <h1 class="mb-6 text-xl font-semibold text-slate-900">{props.title}</h1>
        {props.children}
      </div>
      <div class="mt-6 text-sm text-slate-600">{props.footer}</div>
    </main>
  );
}
