// The install is reproducible and its scripts are declared: CI installs with `npm ci`, which
// refuses a lockfile that misses a package npm would add, and npm runs only the install scripts
// that package.json's `allowScripts` names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface LockedPackage {
  version?: string;
  hasInstallScript?: boolean;
  optionalDependencies?: Record<string, string>;
  link?: boolean;
}
const root = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

/** `node_modules/a/node_modules/@s/b` -> `@s/b` */
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('supply chain', () => {
  it('every package with an install script is approved or denied by name in allowScripts', () => {
    const decided = new Set(Object.keys(manifest.allowScripts ?? {}).map((k) => k.replace(/(?<=.)@.*$/, '')));
    const withScripts = Object.entries(lock.packages)
      .filter(([path, p]) => path && p.hasInstallScript)
      .map(([path]) => nameOf(path));
    expect(withScripts.length).toBeGreaterThan(0);
    expect([...new Set(withScripts.filter((name) => !decided.has(name)))]).toEqual([]);
  });

  it('the lockfile records the binaries of workerd and esbuild for every platform', () => {
    // Their per-platform packages are all served by the registry, so a lockfile without one of them
    // is rewritten by the next fresh `npm install` and refused by `npm ci` ("Missing: ...").
    // (Other packages name platform builds the registry reachable here does not serve.)
    const missing: string[] = [];
    const binaryPackages = Object.entries(lock.packages).filter(([path]) => /(^|\/)(workerd|esbuild)$/.test(path));
    expect(binaryPackages.length).toBeGreaterThan(1);
    for (const [path, pkg] of binaryPackages) {
      for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
        // npm resolves a dependency from the nearest node_modules upwards.
        const candidates: string[] = [];
        let base = path;
        for (;;) {
          candidates.push(`${base ? `${base}/` : ''}node_modules/${dep}`);
          const cut = base.lastIndexOf('/node_modules/');
          if (!base) break;
          base = cut < 0 ? '' : base.slice(0, cut);
        }
        if (!candidates.some((c) => c in lock.packages)) missing.push(`${nameOf(path) || 'root'} -> ${dep}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
