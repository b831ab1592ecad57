import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { selectEngine } from '../src/engine/load.ts';
import { type Logger, silentLogger } from '../src/log.ts';

describe('media-node config', () => {
  it('has defaults for everything, with one worker per core', () => {
    const c = loadConfig({});
    expect(c.engine).toBe('auto');
    expect(c.workers).toBeGreaterThanOrEqual(1);
    expect(c.rtcMinPort).toBe(40000);
    expect(c.limits.maxIncomingBitrate).toBe(3_000_000);
  });

  it('reads MEDIA_* variables and treats empty ones as unset', () => {
    const c = loadConfig({ MEDIA_ENGINE: 'embedded', MEDIA_WORKERS: '3', MEDIA_REGION: 'eu-central', MEDIA_NODE_ID: '', MEDIA_RTC_MIN_PORT: '50000', MEDIA_RTC_MAX_PORT: '50010' });
    expect(c).toMatchObject({ engine: 'embedded', workers: 3, region: 'eu-central', rtcMinPort: 50000 });
    expect(c.nodeId).toMatch(/^media-/);
  });

  it('rejects invalid settings and names every one', () => {
    expect(() => loadConfig({ MEDIA_ENGINE: 'janus', MEDIA_WORKERS: '0' })).toThrow(/engine[\s\S]*workers/);
    expect(() => loadConfig({ MEDIA_RTC_MIN_PORT: '50000', MEDIA_RTC_MAX_PORT: '49999' })).toThrow(/rtcMaxPort/);
    expect(() => loadConfig({ MEDIA_WORKERS: '4', MEDIA_RTC_MIN_PORT: '50000', MEDIA_RTC_MAX_PORT: '50001' })).toThrow(/one port per worker/);
  });
});

describe('engine selection', () => {
  const recording = () => {
    const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
    const log: Logger = { ...silentLogger, info: (msg, fields) => void lines.push({ msg, fields }), child: () => log };
    return { log, lines };
  };

  it('auto falls back to the embedded engine when mediasoup is missing, and says why', async () => {
    const { log, lines } = recording();
    const engine = await selectEngine('auto', log);
    const selected = lines.find((l) => l.msg === 'engine selected');
    expect(selected?.fields?.engine).toBe(engine.name);
    expect(String(selected?.fields?.reason)).toMatch(/^auto: /);
  });

  it('refuses an explicitly configured mediasoup that is not installed', async () => {
    const { log } = recording();
    const engine = await selectEngine('auto', log);
    if (engine.name === 'mediasoup') return; // installed here: nothing to refuse
    await expect(selectEngine('mediasoup', log)).rejects.toThrow(/unavailable/);
  });
});
