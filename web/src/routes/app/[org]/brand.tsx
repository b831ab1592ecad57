// /app/{org}/brand: the studio brand kit. A logo and a background image (uploaded straight to the
// object store), the primary colour of banners and name tags, and name tags on or off. Applied to
// the program the studio records and to every viewer's stage. Owners and admins change it.
import { createAsync, revalidate, useAction, useParams, useSubmission, type RouteDefinition } from '@solidjs/router';
import { createSignal, For, Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { Button } from '~/components/Button';
import { Card } from '~/components/Card';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { finishBrandImageUploadAction, getBrandKit, saveBrandKitAction, startBrandImageUploadAction } from '~/dashboard/brand';
import { allowed, getOrganization } from '~/dashboard/organization';

export const route = { preload: ({ params }) => getOrganization(params.org!) } satisfies RouteDefinition;

const SLOTS = [
  { slot: 'logo', label: 'Logo', hint: 'Shown in the top corner of the picture.' },
  { slot: 'background', label: 'Background', hint: 'Behind the stage, where no one is.' },
] as const;

export default function Brand() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  const kit = createAsync(() => getBrandKit(params.org!));
  const saved = useSubmission(saveBrandKitAction);
  const startUpload = useAction(startBrandImageUploadAction);
  const finishUpload = useAction(finishBrandImageUploadAction);
  const [uploading, setUploading] = createSignal<string>();
  const [problem, setProblem] = createSignal<string>();

  async function upload(organizationId: string, slot: 'logo' | 'background', file: File) {
    setProblem(undefined);
    setUploading(slot);
    try {
      const started = await startUpload(organizationId, { name: file.name, contentType: file.type, sizeBytes: file.size });
      if (!started.ok) throw new Error(started.message);
      const put = await fetch(started.url, { method: 'PUT', headers: started.headers, body: file });
      if (!put.ok) throw new Error(`The upload failed (${put.status})`);
      const finished = await finishUpload(organizationId, slot, started.fileId);
      if (!finished.ok) throw new Error(finished.message);
      await revalidate(getBrandKit.keyFor(params.org!));
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setUploading(undefined);
    }
  }

  return (
    <Show when={ctx()} fallback={<Spinner />}>
      {(c) => (
        <>
          <PageHeader title="Brand" description="Your logo, background and colour on the studio's program and every viewer's stage." />
          <Show when={kit()} fallback={<Spinner label="Loading the brand kit" />}>
            {(k) => (
              <div class="grid gap-6 lg:grid-cols-3">
                <Card title="Preview" class="lg:col-span-2">
                  <div
                    class="relative aspect-video w-full overflow-hidden rounded-md bg-slate-900 bg-cover bg-center"
                    style={k().backgroundUrl ? { 'background-image': `url("${k().backgroundUrl}")` } : {}}
                    data-testid="brand-preview"
                  >
                    <div class="absolute inset-x-[20%] inset-y-[15%] rounded bg-slate-700/80" />
                    <Show when={k().logoUrl}>
                      <img src={k().logoUrl!} alt="Logo" class="absolute right-3 top-3 max-h-[12%] max-w-[18%] object-contain" data-testid="brand-logo" />
                    </Show>
                    <Show when={k().nameTags}>
                      <span class="absolute bottom-[17%] left-[21%] rounded px-2 py-0.5 text-xs font-semibold text-white" style={{ 'background-color': k().primaryColor }}>
                        Ada Guest
                      </span>
                    </Show>
                  </div>
                </Card>
                <Card title="Brand kit">
                  <Show when={allowed(c(), 'organization.update')} fallback={<Alert tone="info">Only owners and admins change the brand kit.</Alert>}>
                    <Show when={(saved.result as { ok?: boolean } | undefined)?.ok}>
                      <Alert tone="success" class="mb-3">
                        Brand kit saved.
                      </Alert>
                    </Show>
                    <FormError result={saved.result} />
                    <Show when={problem()}>
                      <Alert tone="error" class="mb-3">
                        {problem()}
                      </Alert>
                    </Show>
                    <div class="mb-4 space-y-3">
                      <For each={SLOTS}>
                        {(s) => (
                          <label class="block text-sm">
                            <span class="font-medium text-slate-700">{s.label}</span>
                            <span class="block text-xs text-slate-500">{s.hint} PNG, JPEG, WebP or GIF, up to 5 MiB.</span>
                            <input
                              type="file"
                              accept="image/png,image/jpeg,image/webp,image/gif"
                              class="mt-1 block w-full text-sm"
                              data-testid={`brand-${s.slot}-file`}
                              disabled={uploading() !== undefined}
                              onChange={(e) => e.currentTarget.files?.[0] && void upload(c().organization.id, s.slot, e.currentTarget.files[0])}
                            />
                            <Show when={uploading() === s.slot}>
                              <Spinner label="Uploading" />
                            </Show>
                          </label>
                        )}
                      </For>
                    </div>
                    <form action={saveBrandKitAction} method="post" class="space-y-3" aria-label="Brand kit">
                      <input type="hidden" name="organizationId" value={c().organization.id} />
                      <label class="flex items-center gap-2 text-sm text-slate-700">
                        <input type="color" name="primaryColor" value={k().primaryColor} class="h-8 w-12 rounded" />
                        Primary colour (banners and name tags)
                      </label>
                      <label class="flex items-center gap-2 text-sm text-slate-700">
                        <input type="checkbox" name="nameTags" checked={k().nameTags} />
                        Name tags under each person
                      </label>
                      <Show when={k().logoFileId}>
                        <label class="flex items-center gap-2 text-sm text-slate-700">
                          <input type="checkbox" name="removeLogo" />
                          Remove the logo
                        </label>
                      </Show>
                      <Show when={k().backgroundFileId}>
                        <label class="flex items-center gap-2 text-sm text-slate-700">
                          <input type="checkbox" name="removeBackground" />
                          Remove the background
                        </label>
                      </Show>
                      <Button type="submit" variant="primary" loading={saved.pending}>
                        Save
                      </Button>
                    </form>
                  </Show>
                </Card>
              </div>
            )}
          </Show>
        </>
      )}
    </Show>
  );
}
