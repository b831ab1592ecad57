import { createAsync, Navigate } from '@solidjs/router';
import { Show } from 'solid-js';
import { getMe } from '~/account/session';

export const route = { preload: () => getMe() };

export default function Home() {
  const me = createAsync(() => getMe(), { deferStream: true });
  return (
    <Show when={me() !== undefined}>
      <Navigate href={me() ? '/app' : '/login'} />
    </Show>
  );
}
