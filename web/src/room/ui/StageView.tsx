// The program as the player draws it: the on-stage people's tracks laid out by the room's layout
// (solo, side by side, grid, spotlight + thumbnails, screen with the speaker in picture-in-picture)
// and the banner over it. The layout is room state (studio.ts), so the host's program preview, a
// guest's stage view and every viewer draw the same picture from the same frame. This is the
// "individual tracks laid out by the player" option for viewers; the host's studio composes the
// same layout into the program track that recordings carry (program/program-compositor.ts).
import { createMemo, For, Match, Show, Switch } from 'solid-js';
import type { RoomViewState } from '@roomcast/client';
import type { Brand } from '@roomcast/schema/api';
import type { Banner, Layout } from '@roomcast/schema/protocol';
import { MediaView } from './MediaView';

export interface StageTile {
  identity: string;
  name: string;
  camera?: MediaStreamTrack | undefined;
  screen?: MediaStreamTrack | undefined;
  /** This page's own tracks (mirrored preview). */
  self?: boolean;
}

/**
 * The tiles in stage order: everyone on stage (with the tracks this page receives, or its own),
 * then anyone else whose video arrives (an encoder publishing over WHIP is not a participant).
 */
export function stageTiles(
  state: RoomViewState,
  own?: { camera?: MediaStreamTrack | undefined; screen?: MediaStreamTrack | undefined; video?: MediaStreamTrack | undefined },
): StageTile[] {
  const names = new Map(state.participants.map((p) => [p.identity, p.name]));
  const self = state.self?.identity;
  if (state.self) names.set(state.self.identity, state.self.name);
  const tiles = new Map<string, StageTile>();
  const clips: StageTile[] = [];
  const tile = (identity: string) => {
    let t = tiles.get(identity);
    if (!t) tiles.set(identity, (t = { identity, name: names.get(identity) ?? 'Guest' }));
    return t;
  };
  for (const identity of state.room?.studio?.stage ?? []) tile(identity);
  for (const r of state.media.remote) {
    // The studio program (a monitor may receive it) is the composed picture, not a tile.
    if (r.producer.kind !== 'video' || r.producer.source === 'program') continue;
    // A pre-recorded video is a tile of its own, after the people.
    if (r.producer.source === 'video') {
      clips.push({ identity: `${r.producer.identity}#video`, name: `${names.get(r.producer.identity) ?? 'Host'} · video`, camera: r.track });
      continue;
    }
    const t = tile(r.producer.identity);
    if (r.producer.source === 'screen') t.screen = r.track;
    else t.camera = r.track;
  }
  const selfTile = self ? tiles.get(self) : undefined;
  if (selfTile && own) Object.assign(selfTile, { camera: own.camera, screen: own.screen, self: true });
  if (self && own?.video) clips.push({ identity: `${self}#video`, name: 'Your video', camera: own.video });
  // Someone on stage whose picture has not arrived yet still has a (named, empty) tile.
  return [...tiles.values(), ...clips];
}

/** The brand as StageView draws it: what a tile needs to know. */
type TileBrand = Pick<Brand, 'primaryColor' | 'nameTags'> & { background: boolean };

function Tile(props: { tile: StageTile; class?: string; prefer?: 'camera' | 'screen'; onLayer?: (layer: number) => void; brand?: TileBrand | undefined }) {
  const track = () => (props.prefer === 'screen' ? (props.tile.screen ?? props.tile.camera) : (props.tile.camera ?? props.tile.screen));
  return (
    <div
      class={`relative min-h-0 min-w-0 overflow-hidden ${props.brand?.background ? 'bg-black/40' : 'bg-slate-900'} ${props.class ?? ''}`}
      data-testid="stage-tile"
      data-identity={props.tile.identity}
    >
      <Show when={track()} fallback={<div class="flex h-full w-full items-center justify-center text-sm text-white/70">{props.tile.name}</div>}>
        <MediaView
          track={track()}
          label={props.tile.name}
          mirror={props.tile.self && track() === props.tile.camera}
          testId="stage-video"
          {...(props.onLayer ? { onLayer: props.onLayer } : {})}
        />
      </Show>
      <Show when={props.brand?.nameTags ?? true}>
        <span
          class="absolute bottom-1 left-1 max-w-[90%] truncate rounded bg-black/60 px-1.5 py-0.5 text-xs text-white"
          style={props.brand ? { 'background-color': props.brand.primaryColor } : {}}
          data-testid="name-tag"
        >
          {props.tile.name}
        </span>
      </Show>
    </div>
  );
}

export function BannerView(props: { banner: Banner; color?: string | undefined }) {
  return (
    <div
      data-testid="studio-banner"
      class="absolute inset-x-2 bottom-14 z-10 rounded-md bg-indigo-700/95 px-3 py-2 text-white shadow-lg sm:inset-x-6"
      style={props.color ? { 'background-color': props.color } : {}}
    >
      <p class="text-xs font-semibold uppercase tracking-wide text-indigo-100">
        {props.banner.author}
        <Show when={props.banner.symbol}> · {props.banner.symbol}</Show>
        <Show when={props.banner.price != null}> @ {props.banner.price}</Show>
      </p>
      <p class="break-words text-sm sm:text-base">{props.banner.text}</p>
    </div>
  );
}

export function StageView(props: { tiles: StageTile[]; layout: Layout; spotlight: string | null; banner: Banner | null; brand?: Brand | null | undefined; onLayer?: (layer: number) => void }) {
  const main = createMemo(() => props.tiles.find((t) => t.identity === props.spotlight) ?? props.tiles[0]);
  const others = () => props.tiles.filter((t) => t !== main());
  const sharing = () => props.tiles.find((t) => t.screen) ?? main();
  const cols = () => Math.max(1, Math.ceil(Math.sqrt(props.tiles.length)));
  const tileBrand = (): TileBrand | undefined => (props.brand ? { primaryColor: props.brand.primaryColor, nameTags: props.brand.nameTags, background: props.brand.backgroundUrl !== null } : undefined);
  return (
    <div
      class="absolute inset-0 bg-cover bg-center"
      style={props.brand?.backgroundUrl ? { 'background-image': `url("${props.brand.backgroundUrl}")` } : {}}
      data-testid="stage"
      data-layout={props.layout}
      data-branded={props.brand ? 'yes' : undefined}
    >
      <Switch>
        <Match when={props.tiles.length === 0}>{null}</Match>
        <Match when={props.layout === 'solo'}>
          <Tile tile={main()!} brand={tileBrand()} class="h-full w-full" {...(props.onLayer ? { onLayer: props.onLayer } : {})} />
        </Match>
        <Match when={props.layout === 'side_by_side'}>
          <div class="grid h-full w-full grid-cols-2 gap-1">
            <For each={props.tiles.slice(0, 2)}>{(t) => <Tile tile={t} brand={tileBrand()} />}</For>
          </div>
        </Match>
        <Match when={props.layout === 'spotlight'}>
          <div class="flex h-full w-full flex-col gap-1">
            <Tile tile={main()!} brand={tileBrand()} class="flex-1" {...(props.onLayer ? { onLayer: props.onLayer } : {})} />
            <Show when={others().length > 0}>
              <div class="flex h-1/4 gap-1">
                <For each={others()}>{(t) => <Tile tile={t} brand={tileBrand()} class="aspect-video h-full flex-none" />}</For>
              </div>
            </Show>
          </div>
        </Match>
        <Match when={props.layout === 'screen_pip'}>
          <Tile tile={sharing()!} brand={tileBrand()} prefer="screen" class="h-full w-full" {...(props.onLayer ? { onLayer: props.onLayer } : {})} />
          <Show when={sharing()!.screen && sharing()!.camera}>
            <div class="absolute bottom-14 right-2 w-1/4 min-w-20 overflow-hidden rounded-md ring-2 ring-white/70" data-testid="stage-pip">
              <Tile tile={{ ...sharing()!, screen: undefined }} brand={tileBrand()} class="aspect-video" />
            </div>
          </Show>
        </Match>
        <Match when={true}>
          <div class="grid h-full w-full gap-1" style={{ 'grid-template-columns': `repeat(${cols()}, minmax(0, 1fr))` }}>
            <For each={props.tiles}>{(t) => <Tile tile={t} brand={tileBrand()} />}</For>
          </div>
        </Match>
      </Switch>
      <Show when={props.banner}>{(b) => <BannerView banner={b()} color={props.brand?.primaryColor} />}</Show>
      <Show when={props.brand?.logoUrl}>
        {(logo) => <img src={logo()} alt="" class="pointer-events-none absolute right-2 top-2 z-10 max-h-[12%] max-w-[18%] object-contain" data-testid="stage-logo" />}
      </Show>
    </div>
  );
}

export const LAYOUT_LABELS: Record<Layout, string> = {
  solo: 'Solo',
  side_by_side: 'Side by side',
  grid: 'Grid',
  spotlight: 'Spotlight',
  screen_pip: 'Screen + speaker',
};
