// The room page's ingest card: the WHIP and RTMP URLs and the stream key for OBS, vMix and
// hardware encoders, with copy buttons and OBS steps. The key is shown once, right after it is
// created or rotated; the live state and the encoder's last error come from the API.
import { createAsync, useSubmission } from '@solidjs/router';
import { Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { Button } from '~/components/Button';
import { Card } from '~/components/Card';
import { CopyField } from '~/components/CopyButton';
import { createIngestKeyAction, getIngest, revokeIngestKeyAction } from './ingest';

export function IngestCard(props: { organizationId: string; orgSlug: string; roomId: string }) {
  const view = createAsync(() => getIngest(props.orgSlug, props.roomId));
  const create = useSubmission(createIngestKeyAction);
  const revoke = useSubmission(revokeIngestKeyAction);
  const streamKey = () => (create.result as { streamKey?: string } | undefined)?.streamKey;
  const hidden = () => (
    <>
      <input type="hidden" name="organizationId" value={props.organizationId} />
      <input type="hidden" name="roomId" value={props.roomId} />
    </>
  );
  return (
    <Card title="Stream from OBS or an encoder" description="Publish into this room over WHIP or RTMP; viewers see the encoder like a host.">
      <FormError result={create.result} />
      <FormError result={revoke.result} />
      <Show when={view()}>
        {(v) => (
          <div class="space-y-4" data-testid="ingest-card">
            <Show when={v().kind === 'plan'}>
              <p class="text-sm text-slate-600">{(v() as { message: string }).message}</p>
            </Show>
            <Show when={streamKey()}>
              {(key) => (
                <Alert tone="success">
                  <p class="mb-2">This is the only time the stream key is shown. Treat it like a password.</p>
                  <CopyField label="Stream key" value={key()} multiline testId="ingest-stream-key" />
                </Alert>
              )}
            </Show>
            <Show when={v().kind === 'settings' ? (v() as Extract<ReturnType<typeof v>, { kind: 'settings' }>).settings : undefined}>
              {(s) => (
                <>
                  <p class="inline-flex items-center gap-2 text-sm" data-testid="ingest-state">
                    <span class={`rounded-full px-2 py-0.5 text-xs font-semibold ${s().state === 'live' ? 'bg-red-100 text-red-700' : 'bg-slate-100 text-slate-600'}`}>
                      {s().state === 'live' ? 'ON AIR' : 'Idle'}
                    </span>
                    {s().state === 'live' ? `Encoder connected (${s().protocol?.toUpperCase()})` : 'No encoder connected'} · key {s().streamKeyPrefix}…
                  </p>
                  <Show when={s().lastError}>
                    <Alert tone="error">Last encoder attempt: {s().lastError}</Alert>
                  </Show>
                  <CopyField label="WHIP URL" value={s().whipUrl} testId="ingest-whip-url" />
                  <Show when={s().rtmpUrl}>{(rtmp) => <CopyField label="RTMP URL" value={rtmp()} testId="ingest-rtmp-url" />}</Show>
                  <ol class="list-decimal space-y-1 pl-5 text-sm text-slate-700">
                    <li>In OBS (30 or newer) open Settings → Stream and choose Service: WHIP.</li>
                    <li>Paste the WHIP URL as Server and the stream key as Bearer Token.</li>
                    <li>Under Output use H.264 video (keyframe interval 2 s, no B-frames) and Opus audio: the room forwards them as they are.</li>
                    <li>Press Start Streaming: the room goes live and viewers see the encoder.</li>
                  </ol>
                  <Show when={s().rtmpUrl}>
                    <p class="text-sm text-slate-700">
                      Over RTMP instead (older OBS, vMix, hardware encoders): Service Custom, the RTMP URL as Server and the stream key as Stream Key; H.264 without B-frames, a keyframe at
                      least every 4 s, AAC audio. Reconnecting within 10 s keeps viewers watching.
                    </p>
                  </Show>
                </>
              )}
            </Show>
            <Show when={v().kind !== 'plan'}>
              <div class="flex gap-2">
                <form action={createIngestKeyAction} method="post">
                  {hidden()}
                  <Button type="submit" loading={create.pending}>
                    {v().kind === 'settings' ? 'Rotate stream key' : 'Create stream key'}
                  </Button>
                </form>
                <Show when={v().kind === 'settings'}>
                  <form action={revokeIngestKeyAction} method="post">
                    {hidden()}
                    <Button type="submit" variant="danger" loading={revoke.pending}>
                      Revoke
                    </Button>
                  </form>
                </Show>
              </div>
            </Show>
          </div>
        )}
      </Show>
    </Card>
  );
}
