import { existsSync, readFileSync } from 'node:fs';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// WGSL files are imported as text, like esbuild's `text` loader does for the bundles.
const wgslText = {
  name: 'wgsl-text',
  transform(_code: string, id: string) {
    if (!id.endsWith('.wgsl')) return null;
    return { code: `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`, map: null };
  },
};

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

// Test projects (test/README.md). A file is classified by name in the lists below; a file in no
// list runs in the `dawn` project, so a new test always runs, in the project that can run
// anything (Node with WebGPU on Dawn and the built dist/).
/** Pure CPU/TypeScript: no GPU, no build, no child processes. Run first, in parallel. */
const UNIT = ['architecture', 'liquid-stats', 'realtime-clock', 'scene', 'settings', 'sim-params', 'wgsl-struct', 'cli-usage', 'debug-legends', 'readme-animation'];
/** Headless Chromium (playwright-core) pages. */
const BROWSER = [
  'examples-pages', 'examples-render', 'models-browser', 'package', 'playcanvas-force-browser', 'render', 'site',
  'floating-browser', 'foam-browser', 'liquid-status-browser', 'obstacle-course-browser', 'packed-install', 'playcanvas-colliders-browser', 'render-quality', 'render-bench',
];
/** The training pipeline (/usr/bin/python3 with torch). */
const PYTHON = ['training', 'training-physics'];
const files = (names: string[]) => names.map((n) => `test/${n}.test.ts`);

// Independent heavy files run side by side, at most this many at a time (2 cores: two files
// overlap one's waits - Chromium, python, esbuild - with the other's compute).
const heavyWorkers = Number(process.env.LIQUID_TEST_WORKERS ?? 2);

/** One project: `extends: true` inherits the plugins and the env below. */
function project(name: string, include: string[], options: { exclude?: string[]; groupOrder: number; workers: number; build: boolean; timeout?: number; isolate?: boolean }): TestProjectInlineConfiguration {
  return {
    extends: true,
    test: {
      name,
      include,
      exclude: options.exclude ?? [],
      sequence: { groupOrder: options.groupOrder },
      maxWorkers: options.workers,
      isolate: options.isolate ?? true,
      // dist/ is built once for the whole run (test/global-setup.ts), not per file
      globalSetup: options.build ? ['test/global-setup.ts'] : [],
      // bounds for a loaded machine (2 cores shared with other work); tests wait on frames, not seconds
      testTimeout: options.timeout ?? 120_000,
      hookTimeout: options.timeout ?? 120_000,
    },
  };
}

export default defineConfig({
  plugins: [wgslText],
  test: {
    pool: 'forks',
    // onnxruntime-web's 27 MB wasm: without this V8 spends about a minute of CPU optimizing it
    // in the background (the workers' WebGPU provider only orchestrates; Liftoff is enough).
    execArgv: ['--liftoff-only'],
    env: {
      // SwiftShader (Vulkan on the CPU) unless a driver is named, or LIQUID_TEST_REAL_GPU=1 asks
      // for the machine's own (scripts/device-long-tests.sh on a GPU machine)
      ...(process.env.VK_ICD_FILENAMES || process.env.LIQUID_TEST_REAL_GPU === '1' || !existsSync(SWIFTSHADER_ICD) ? {} : { VK_ICD_FILENAMES: SWIFTSHADER_ICD }),
      XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp',
    },
    projects: [
      project('unit', files(UNIT), { groupOrder: 0, workers: 2, build: false }),
      // Not isolated: the files of one worker share its process, so the one device of
      // test/helpers/gpu.ts and the pipelines Dawn compiled for it (SwiftShader: 15-35 s for a
      // solver's first creation, 60 ms for the next on the same device) serve every file. The
      // files share no other state: no mocks, no globals, none destroys the shared device.
      project('dawn', ['test/*.test.ts'], { exclude: files([...UNIT, ...BROWSER, ...PYTHON]), groupOrder: 1, workers: heavyWorkers, build: true, timeout: 900_000, isolate: false }),
      // page tests bound their waits in frames (test/helpers/browser.ts); this only catches a hang
      project('browser', files(BROWSER), { groupOrder: 1, workers: heavyWorkers, build: true, timeout: 900_000 }),
      project('python', files(PYTHON), { groupOrder: 1, workers: heavyWorkers, build: true, timeout: 600_000 }),
      // Long physics runs (32^3 shipped models, hundreds of frames): not in `npm test`; run them
      // with `npm run test:long` (hours on SwiftShader, minutes on a GPU machine).
      project('long', ['test/long/*.test.ts'], { groupOrder: 2, workers: 1, build: true, timeout: 7_200_000 }),
    ],
  },
});
