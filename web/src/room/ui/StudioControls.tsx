// The host's studio controls: multistream destinations (MultistreamPanel), the room's stream key
// for OBS and encoders (IngestCard), invite a guest (a link for this room only), the backstage list
// (with each guest's live camera thumbnail) and chat, the stage (bring on, send back, mute,
// remove), the layout switch, and the on-screen banner (a chat message or an alert). Every action
// is a frame the room checks; the room's answer (a new room.updated, or an error such as a full
// stage) is what the page shows.
import { useParams } from '@solidjs/router';
import { createSignal, For, onMount, Show } from 'solid-js';
import type { RoomClient, RoomViewState } from '@roomcast/client';
import { LAYOUTS, type Layout } from '@roomcast/schema/protocol';
import { IngestCard } from '~/dashboard/IngestCard';
import { createGuestInvite, listGuestInvites, revokeGuestInvite, type GuestInviteSummary } from '../queries';
import { BackstageChat } from './BackstageChat';
import { MultistreamPanel } from './MultistreamPanel';
import { LAYOUT_LABELS } from './StageView';

const button = 'rounded-md bg-white px-2 py-1 text-xs font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50 disabled:opacity-50';

export function StudioControls(props: { state: RoomViewState; client: RoomClient; room: { organizationId: string; roomId: string } }) {
  const params = useParams();
  const [link, setLink] = createSignal<string>();
  const [problem, setProblem] = createSignal<string>();
  const studio = () => props.state.room?.studio;
  const stage = () => studio()?.stage ?? [];
  const guests = () => props.state.participants.filter((p) => p.role === 'guest');
  const backstage = () => guests().filter((g) => !stage().includes(g.identity));
  const onStage = () => guests().filter((g) => stage().includes(g.identity));
  const mayStage = () => props.state.self?.grants.includes('stage') ?? false;
  const mayBanner = () => props.state.self?.grants.includes('moderate') ?? false;

  const [invites, setInvites] = createSignal<GuestInviteSummary[]>([]);
  async function loadInvites() {
    const listed = await listGuestInvites(props.room);
    if (listed.ok) setInvites(listed.invites.filter((i) => i.status === 'active'));
  }

  async function invite() {
    setProblem(undefined);
    const made = await createGuestInvite(props.room);
    if (!made.ok) return setProblem(made.message);
    setLink(`${location.origin}${made.path}`);
    await loadInvites();
  }

  /** A revoked link admits no one from now on; guests already in stay (remove them below). */
  async function revoke(id: string) {
    const revoked = await revokeGuestInvite(props.room, id);
    if (!revoked.ok) return setProblem(revoked.message);
    await loadInvites();
  }
  onMount(() => {
    if (mayStage()) void loadInvites();
  });
  const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

  const move = (identity: string, to: 'stage' | 'backstage') => props.client.send({ type: 'stage.move', identity, to });
  const layout = (l: Layout) => props.client.send({ type: 'studio.layout', layout: l, spotlight: studio()?.spotlight ?? null });

  return (
    <section class="flex flex-col gap-3 rounded-lg bg-white p-3 text-sm ring-1 ring-slate-200" aria-label="Studio" data-testid="studio-controls">
      <Show when={mayStage()}>
        <div class="flex flex-wrap items-center gap-2">
          <span class="font-semibold text-slate-900">Layout</span>
          <For each={[...LAYOUTS]}>
            {(l) => (
              <button type="button" data-testid={`layout-${l}`} aria-pressed={studio()?.layout === l} class={`${button} aria-pressed:bg-indigo-600 aria-pressed:text-white`} onClick={() => layout(l)}>
                {LAYOUT_LABELS[l]}
              </button>
            )}
          </For>
        </div>
        <MultistreamPanel room={props.room} pushed={props.state.egressOutputs} />
        <details data-testid="studio-ingest">
          <summary class="cursor-pointer font-semibold text-slate-900">Stream key for OBS and encoders</summary>
          <div class="mt-2">
            <IngestCard organizationId={props.room.organizationId} orgSlug={params.orgSlug!} roomId={props.room.roomId} />
          </div>
        </details>
        <div class="flex flex-wrap items-center gap-2">
          <button type="button" data-testid="invite-guest" class={button} onClick={() => void invite()}>
            Invite a guest
          </button>
          <Show when={link()}>
            <input data-testid="guest-link" readOnly value={link()} class="min-w-0 flex-1 rounded-md px-2 py-1 text-xs ring-1 ring-slate-300" onFocus={(e) => e.currentTarget.select()} />
            <button type="button" class={button} onClick={() => void navigator.clipboard?.writeText(link()!)}>
              Copy
            </button>
          </Show>
        </div>
        <Show when={invites().length > 0}>
          <ul class="flex flex-col gap-1 text-xs" data-testid="guest-links">
            <For each={invites()}>
              {(i) => (
                <li class="flex items-center gap-2" data-testid="guest-link-row" data-invite={i.id}>
                  <span class="mr-auto text-slate-600">
                    Link made {time(i.createdAt)}, admits guests until {time(i.expiresAt)}
                  </span>
                  <button type="button" data-testid="revoke-guest-link" class={button} onClick={() => void revoke(i.id)}>
                    Revoke
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <div>
          <h3 class="font-semibold text-slate-900">
            Backstage <span class="font-normal text-slate-500">({backstage().length})</span>
          </h3>
          <ul class="mt-1 flex flex-col gap-1" data-testid="backstage-list">
            <For each={backstage()} fallback={<li class="text-xs text-slate-500">Guests who open your link wait here.</li>}>
              {(g) => (
                <li class="flex items-center gap-2" data-testid="backstage-guest" data-identity={g.identity}>
                  {/* The guest's camera, as a live thumbnail (backstage guests are not on the air). */}
                  <Show when={props.state.previews[g.identity]} fallback={<span class="h-9 w-16 flex-none rounded bg-slate-200" />}>
                    {(src) => <img src={src()} alt={`${g.name}'s camera`} data-testid="backstage-preview" class="h-9 w-16 flex-none rounded object-cover" />}
                  </Show>
                  <span class="mr-auto truncate">{g.name}</span>
                  <button type="button" data-testid="bring-on-stage" class={button} onClick={() => move(g.identity, 'stage')}>
                    Bring on stage
                  </button>
                  <button type="button" class={button} onClick={() => props.client.send({ type: 'moderation.kick', identity: g.identity })}>
                    Remove
                  </button>
                </li>
              )}
            </For>
          </ul>
        </div>
        <BackstageChat state={props.state} client={props.client} />
        <div>
          <h3 class="font-semibold text-slate-900">
            On stage <span class="font-normal text-slate-500">({stage().length} of {studio()?.stageLimit ?? 10})</span>
          </h3>
          <ul class="mt-1 flex flex-col gap-1" data-testid="stage-list">
            <For each={onStage()}>
              {(g) => (
                <li class="flex items-center gap-2" data-testid="stage-guest" data-identity={g.identity}>
                  <span class="mr-auto truncate">{g.name}</span>
                  <button type="button" data-testid="send-backstage" class={button} onClick={() => move(g.identity, 'backstage')}>
                    Backstage
                  </button>
                  <button type="button" class={button} onClick={() => props.client.send({ type: 'stage.mute', identity: g.identity })}>
                    Mute
                  </button>
                  <button type="button" class={button} onClick={() => props.client.send({ type: 'moderation.kick', identity: g.identity })}>
                    Remove
                  </button>
                </li>
              )}
            </For>
          </ul>
        </div>
      </Show>
      <Show when={mayBanner()}>
        <div>
          <div class="flex items-center gap-2">
            <h3 class="mr-auto font-semibold text-slate-900">On-screen banner</h3>
            <Show when={studio()?.banner}>
              <button type="button" data-testid="hide-banner" class={button} onClick={() => props.client.send({ type: 'banner.hide' })}>
                Hide banner
              </button>
            </Show>
          </div>
          <ul class="mt-1 flex max-h-40 flex-col gap-1 overflow-y-auto">
            <For each={props.state.alerts.slice(0, 3)}>
              {(a) => (
                <li class="flex items-center gap-2">
                  <span class="mr-auto truncate text-xs">
                    <b>{a.symbol ?? a.kind}</b> {a.text}
                  </span>
                  <button type="button" data-testid="show-alert-banner" class={button} onClick={() => props.client.send({ type: 'banner.show', source: 'alert', messageId: a.id })}>
                    Show
                  </button>
                </li>
              )}
            </For>
            <For each={props.state.chat.slice(-5).reverse()}>
              {(m) => (
                <li class="flex items-center gap-2" data-testid="banner-candidate">
                  <span class="mr-auto truncate text-xs">
                    <b>{m.author.name}</b>: {m.text}
                  </span>
                  <button type="button" data-testid="show-banner" class={button} onClick={() => props.client.send({ type: 'banner.show', source: 'chat', messageId: m.id })}>
                    Show
                  </button>
                </li>
              )}
            </For>
          </ul>
        </div>
      </Show>
      <Show when={problem() ?? props.state.notice}>
        <p role="alert" data-testid="studio-notice" class="text-xs text-red-700">{problem() ?? props.state.notice}</p>
      </Show>
    </section>
  );
}
