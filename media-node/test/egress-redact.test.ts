// A destination's failure reason goes to the room and the API: ffmpeg names the URL it failed on,
// stream key included (its last line is "rtmp://host/app/KEY: Connection refused"), so the reason
// is masked before it leaves the node. Checked against what Debian's ffmpeg really prints.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redactKey } from '../src/egress/rtmp-output.ts';

const run = promisify(execFile);

describe('rtmp failure reasons', () => {
  it('never carry the stream key ffmpeg printed', async () => {
    const url = 'rtmp://127.0.0.1:1/live/sk-live-7f3a9c2e';
    const failed = await run('ffmpeg', ['-hide_banner', '-loglevel', 'warning', '-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=5', '-t', '1', '-c:v', 'libx264', '-f', 'flv', url], { timeout: 20_000 }).then(
      () => expect.fail('ffmpeg reached a closed port'),
      (error: { stderr: string }) => error.stderr,
    );
    expect(failed).toContain('sk-live-7f3a9c2e');
    const reason = redactKey(failed, url);
    expect(reason).not.toContain('sk-live-7f3a9c2e');
    expect(reason).toContain('rtmp://127.0.0.1:1/live/••••: Connection refused');
    // Short path segments are not keys: a URL without one is left as it is.
    expect(redactKey('rtmp://host/app: x', 'rtmp://host/app')).toBe('rtmp://host/app: x');
  });
});
