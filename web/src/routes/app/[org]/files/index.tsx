// /app/{org}/files: the organization's uploaded files (charts, PDFs, slides to share in rooms).
// Members with file.manage upload (the bytes go straight to the object store with presigned URLs,
// in parts for a large file, with a progress bar) and delete; every member lists and downloads
// (a presigned GET fetched on click, valid a few minutes). A forbidden type or an oversized file
// is refused by the API before any byte moves, and its message is shown as it is.
import { createAsync, useAction, useParams, useSubmission, type RouteDefinition } from '@solidjs/router';
import { createSignal, For, Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { Button } from '~/components/Button';
import { Card } from '~/components/Card';
import { EmptyState } from '~/components/EmptyState';
import { PageHeader } from '~/components/PageHeader';
import { PageNav, useBeforeCursor } from '~/components/PageNav';
import { Spinner } from '~/components/Spinner';
import { completeUploadAction, deleteFileAction, fileDownloadAction, getFiles, startUploadAction } from '~/dashboard/files';
import { sendToStore, UploadError } from '~/dashboard/files-upload';
import { allowed, getOrganization } from '~/dashboard/organization';
import { formatBytes } from '~/dashboard/recording-format';

export const route = { preload: ({ params }) => getOrganization(params.org!) } satisfies RouteDefinition;

const when = (iso: string) => new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });

type UploadState =
  | { phase: 'idle' }
  | { phase: 'sending'; name: string; sent: number; total: number }
  | { phase: 'done'; name: string }
  | { phase: 'failed'; code: string; message: string };

function Uploader(props: { organizationId: string }) {
  const start = useAction(startUploadAction);
  const complete = useAction(completeUploadAction);
  const [state, setState] = createSignal<UploadState>({ phase: 'idle' });
  const fail = (code: string, message: string) => setState({ phase: 'failed', code, message });

  async function upload(file: File) {
    setState({ phase: 'sending', name: file.name, sent: 0, total: file.size });
    const created = await start({ organizationId: props.organizationId, name: file.name, contentType: file.type || 'application/octet-stream', sizeBytes: file.size });
    if (!created.ok) return fail(created.code, created.message);
    let parts;
    try {
      parts = await sendToStore(file, created.upload, (sent) => setState({ phase: 'sending', name: file.name, sent, total: file.size }));
    } catch (error) {
      return fail('upload_failed', error instanceof UploadError ? error.message : String(error));
    }
    const confirmed = await complete({ organizationId: props.organizationId, fileId: created.file.id, parts });
    if (!confirmed.ok) return fail(confirmed.code, confirmed.message);
    setState({ phase: 'done', name: file.name });
  }

  const busy = () => state().phase === 'sending';
  return (
    <Card title="Upload" description="PDF, images, text/CSV, Office documents, MP4/WebM, MP3, ZIP.">
      <label class="block text-sm font-medium text-slate-700">
        File
        <input
          type="file"
          data-testid="file-input"
          class="mt-1 block w-full text-sm"
          disabled={busy()}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (file) void upload(file);
          }}
        />
      </label>
      <Show when={(() => { const s = state(); return s.phase === 'sending' ? s : undefined; })()}>
        {(s) => (
          <div class="mt-3 text-sm text-slate-600" data-testid="upload-status" data-percent={Math.floor((s().sent / Math.max(1, s().total)) * 100)}>
            <progress data-testid="upload-progress" class="w-full" max={s().total} value={s().sent} aria-label={`Uploading ${s().name}`} />
            <p>
              {s().name}: {formatBytes(s().sent)} of {formatBytes(s().total)} ({Math.floor((s().sent / Math.max(1, s().total)) * 100)} %)
            </p>
          </div>
        )}
      </Show>
      <Show when={(() => { const s = state(); return s.phase === 'failed' ? s : undefined; })()}>
        {(s) => (
          <Alert tone="error" class="mt-3" title="Upload refused">
            <span data-testid="upload-error" data-code={s().code}>{s().message}</span>
          </Alert>
        )}
      </Show>
      <Show when={(() => { const s = state(); return s.phase === 'done' ? s : undefined; })()}>
        {(s) => <Alert tone="success" class="mt-3">{s().name} is uploaded.</Alert>}
      </Show>
    </Card>
  );
}

export default function Files() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  const before = useBeforeCursor();
  const files = createAsync(() => getFiles(params.org!, before()));
  const deleted = useSubmission(deleteFileAction);
  const download = useAction(fileDownloadAction);
  const [downloadError, setDownloadError] = createSignal<string>();

  async function open(organizationId: string, fileId: string) {
    const answer = await download({ organizationId, fileId });
    if (!answer.ok || !answer.url) return setDownloadError(answer.ok ? 'This file is not uploaded yet.' : answer.message);
    setDownloadError(undefined);
    window.location.assign(answer.url);
  }

  return (
    <Show when={ctx()} fallback={<Spinner />}>
      {(c) => (
        <>
          <PageHeader title="Files" description="Documents to share in your rooms' chat. They count against your plan's storage." />
          <div class="grid gap-6">
            <Show when={allowed(c(), 'file.manage')}>
              <Uploader organizationId={c().organization.id} />
            </Show>
            <Card title="Library">
              <FormError result={deleted.result} />
              <Show when={downloadError()}>{(m) => <Alert tone="error">{m()}</Alert>}</Show>
              <Show when={files()} fallback={<Spinner label="Loading files" />}>
                {(page) => (
                  <Show when={page().files.length > 0} fallback={<EmptyState title="No files yet">Uploaded files appear here.</EmptyState>}>
                    <table class="w-full text-left text-sm" aria-label="Files">
                      <thead class="text-xs uppercase text-slate-500">
                        <tr>
                          <th class="py-2">Name</th>
                          <th>Type</th>
                          <th>Size</th>
                          <th>Uploaded</th>
                          <th />
                        </tr>
                      </thead>
                      <tbody class="divide-y divide-slate-100">
                        <For each={page().files}>
                          {(f) => (
                            <tr data-file={f.id} data-name={f.name}>
                              <td class="py-2 font-medium text-slate-900">{f.name}</td>
                              <td>{f.contentType}</td>
                              <td data-testid="file-size">{formatBytes(f.sizeBytes)}</td>
                              <td>{when(f.uploadedAt ?? f.createdAt)}</td>
                              <td class="flex justify-end gap-2 py-2">
                                <Button variant="secondary" onClick={() => void open(c().organization.id, f.id)}>Download</Button>
                                <Show when={allowed(c(), 'file.manage')}>
                                  <form method="post" action={deleteFileAction}>
                                    <input type="hidden" name="organizationId" value={c().organization.id} />
                                    <input type="hidden" name="fileId" value={f.id} />
                                    <Button type="submit" variant="danger">Delete</Button>
                                  </form>
                                </Show>
                              </td>
                            </tr>
                          )}
                        </For>
                      </tbody>
                    </table>
                    <PageNav path={`/app/${c().organization.slug}/files`} before={before()} nextCursor={page().nextCursor} olderLabel="Older files" />
                  </Show>
                )}
              </Show>
            </Card>
          </div>
        </>
      )}
    </Show>
  );
}
