// The order of test files within a run: vitest's own (failed first, then longest first), except
// that the browser tests most sensitive to a loaded machine go last, so under `npm test` they run
// once the other lane's browser tests are done (that lane ends about 300 s before this one):
// - the studio: four Chromium pages publish and decode live media; beside the other lane, a
//   guest's video stalled past its waits in two CI runs (2026-12-02); alone it passed;
// - server recording: it measures the recorded duration against the wall clock; beside the other
//   lane (load average 16-17) it recorded 4.2 s of 10 s once, and its screen track was still
//   probing when stopped once;
// - studio clips: a host page plays clips into the show while a viewer decodes them; beside the
//   other lane it failed in three CI runs (2026-12-02), each time on a different wait.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const LAST = ['web/test/e2e/studio-clips.test.ts', 'web/test/e2e/recordings.test.ts', 'web/test/e2e/studio.test.ts'];

export class LoadSensitiveLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => LAST.findIndex((path) => file.moduleId.endsWith(path));
    return [...sorted.filter((file) => rank(file) < 0), ...sorted.filter((file) => rank(file) >= 0).sort((a, b) => rank(a) - rank(b))];
  }
}
