import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes a command's JSON result to `path` (folders made), or to stdout without one. */
export function writeJsonResult(result: unknown, path: string | undefined, log: (line: string) => void): void {
  const json = `${JSON.stringify(result, null, 2)}\n`;
  if (path) {
    mkdirSync(dirname(path) || '.', { recursive: true });
    writeFileSync(path, json);
    log(`wrote ${path}`);
  } else {
    process.stdout.write(json);
  }
}
