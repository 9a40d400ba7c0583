/**
 * The training tests' Python: Debian's /usr/bin/python3 with torch (apt: python3-torch
 * python3-onnx python3-numpy python3-matplotlib; .ci/run installs them).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';

export const PYTHON = '/usr/bin/python3';

/** Why `PYTHON` cannot import `modules`, or null when it can. */
export function pythonMissing(modules: string[]): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} does not exist`;
  const r = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} cannot import ${modules.join('/')}: ${r.stderr.trim().split('\n').pop()}`;
}

/** CI (`CI=true`, set by .ci/run and by CI services) must run the Python tests, never skip them. */
export const PYTHON_REQUIRED = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Registers a test that fails under `CI=true` when Python is missing (`missing`, from
 * pythonMissing); outside CI the Python tests skip, with a warning naming `what`.
 */
export function requirePython(what: string, missing: string | null): void {
  if (missing && !PYTHON_REQUIRED) console.warn(`${what} skipped: ${missing}`);
  it.skipIf(missing !== null && !PYTHON_REQUIRED)(`${PYTHON} has the modules the ${what} need`, () => {
    expect(missing, `CI=true and the ${what} cannot run; install python3-torch python3-onnx python3-numpy python3-matplotlib`).toBeNull();
  });
}
