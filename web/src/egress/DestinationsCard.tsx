// The room page's multistream card: the destinations this room can push to (the organization's,
// offered in every room, and this room's own), each with its stream key shown as its last 4
// characters only, a form to add one (YouTube, Twitch, Facebook with their ingest URLs filled in,
// or a custom RTMP(S) URL) and Remove. Starting and stopping happens in the studio while live.
import { createAsync, useSubmission } from '@solidjs/router';
import { createSignal, For, Show } from 'solid-js';
import { FormError } from '~/components/Alert';
import { Button } from '~/components/Button';
import { Card } from '~/components/Card';
import { Field, SelectField } from '~/components/Field';
import { addDestinationAction, getDestinations, removeDestinationAction, type EgressDestination } from './multistream';

const KINDS = [
  { value: 'youtube', label: 'YouTube' },
  { value: 'twitch', label: 'Twitch' },
  { value: 'facebook', label: 'Facebook' },
  { value: 'custom', label: 'Custom RTMP(S)' },
] as const;
const SCOPES = [
  { value: 'room', label: 'This room only' },
  { value: 'organization', label: 'Every room of the organization' },
] as const;

export function DestinationsCard(props: { organizationId: string; roomId: string }) {
  const list = createAsync(() => getDestinations(props.organizationId, props.roomId));
  const add = useSubmission(addDestinationAction);
  const remove = useSubmission(removeDestinationAction);
  const [kind, setKind] = createSignal('youtube');
  const [scope, setScope] = createSignal('room');
  const fields = () => (add.result as { fields?: Record<string, string> } | undefined)?.fields ?? {};
  return (
    <Card title="Multistream" description="Push the live room to YouTube, Twitch, Facebook or any RTMP(S) server; start and stop each one from the studio.">
      <div class="space-y-4" data-testid="destinations-card">
        <FormError result={remove.result} />
        <Show when={list()}>
          {(l) => (
            <Show when={'destinations' in l() ? (l() as { destinations: EgressDestination[] }).destinations : undefined} fallback={<p class="text-sm text-slate-600">{(l() as { message?: string }).message}</p>}>
              {(destinations) => (
                <ul class="divide-y divide-slate-100 text-sm" data-testid="destination-list">
                  <For each={destinations()} fallback={<li class="py-2 text-slate-500">No destinations yet.</li>}>
                    {(d) => (
                      <li class="flex items-center justify-between gap-3 py-2" data-testid="destination" data-destination-id={d.id}>
                        <span class="min-w-0">
                          <span class="font-medium text-slate-900">{d.name}</span>{' '}
                          <span class="text-slate-500">
                            {KINDS.find((k) => k.value === d.kind)?.label} · key ••••{d.keyLast4} · {d.roomId ? 'this room' : 'every room'}
                            {d.enabled ? '' : ' · disabled'}
                          </span>
                          <span class="block truncate text-xs text-slate-400">{d.ingestUrl}</span>
                        </span>
                        <form action={removeDestinationAction} method="post">
                          <input type="hidden" name="organizationId" value={props.organizationId} />
                          <input type="hidden" name="destinationId" value={d.id} />
                          <Button type="submit" variant="danger" loading={remove.pending}>
                            Remove
                          </Button>
                        </form>
                      </li>
                    )}
                  </For>
                </ul>
              )}
            </Show>
          )}
        </Show>
        <form action={addDestinationAction} method="post" class="grid gap-3 sm:grid-cols-2" data-testid="add-destination">
          <FormError result={add.result} />
          <input type="hidden" name="organizationId" value={props.organizationId} />
          <input type="hidden" name="roomId" value={scope() === 'room' ? props.roomId : ''} />
          <SelectField label="Platform" name="kind" options={KINDS} value={kind()} onChange={(e) => setKind(e.currentTarget.value)} />
          <Field label="Name" name="name" required maxLength={100} placeholder="My channel" error={fields().name} />
          <Field
            label="Ingest URL"
            name="ingestUrl"
            required={kind() === 'custom'}
            placeholder={kind() === 'custom' ? 'rtmp://… or rtmps://…' : 'The platform’s, unless you fill one in'}
            error={fields().ingestUrl}
          />
          <Field label="Stream key" name="streamKey" type="password" required autocomplete="off" hint="Stored encrypted; only its last 4 characters are shown again." error={fields().streamKey} />
          <SelectField label="Offered in" name="scope" options={SCOPES} value={scope()} onChange={(e) => setScope(e.currentTarget.value)} />
          <div class="flex items-end">
            <Button type="submit" loading={add.pending}>
              Add destination
            </Button>
          </div>
        </form>
      </div>
    </Card>
  );
}
