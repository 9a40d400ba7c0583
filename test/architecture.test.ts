// The layering of the code base, read from its import statements: no import cycle in the core
// (src/), the PlayCanvas layer (plugin/) reaches the core only through its public entry point
// (src/index.ts), the public API leaves the tool-only pieces to src/tools.ts, and the CPU
// references in src/reference/ serve the tests only.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Relative module specifiers a file imports or re-exports (type-only ones included), resolved to files. */
function imports(file: string): { specifier: string; target: string | null }[] {
  const source = readFileSync(file, 'utf8');
  const out: { specifier: string; target: string | null }[] = [];
  for (const m of source.matchAll(/^\s*(?:import|export)\s[^;]*?\bfrom\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)) {
    const specifier = m[1] ?? m[2];
    if (!specifier.startsWith('.')) continue;
    const base = resolve(dirname(file), specifier);
    const target = [base, `${base}.ts`, join(base, 'index.ts')].find((p) => existsSync(p) && statSync(p).isFile()) ?? null;
    out.push({ specifier, target });
  }
  return out;
}

const rel = (p: string) => relative(ROOT, p);

describe('architecture', () => {
  it('the import statements are read (the check sees the solver importing its passes)', () => {
    const solver = imports(join(ROOT, 'src/solver/liquid-solver.ts')).map((i) => i.target && rel(i.target));
    expect(solver).toContain('src/solver/passes/advection-pass.ts');
    expect(solver.length).toBeGreaterThan(10);
  });

  it('no import cycle in src/ (type-only imports included)', () => {
    const files = sourceFiles(join(ROOT, 'src')).filter((f) => f.endsWith('.ts'));
    const graph = new Map(files.map((f) => [f, imports(f).map((i) => i.target).filter((t): t is string => !!t && t.endsWith('.ts'))]));
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const cycles: string[] = [];
    const visit = (node: string) => {
      state.set(node, 'open');
      stack.push(node);
      for (const next of graph.get(node) ?? []) {
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map(rel).join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(node, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f);
    expect(graph.size).toBeGreaterThan(40);
    expect(cycles).toEqual([]);
  });

  it('plugin/ imports the core only through src/index.ts', () => {
    const deep: string[] = [];
    let viaIndex = 0;
    for (const file of sourceFiles(join(ROOT, 'plugin'))) {
      for (const { specifier, target } of imports(file)) {
        if (!target || !rel(target).startsWith('src/')) continue;
        if (rel(target) === 'src/index.ts') viaIndex++;
        else deep.push(`${rel(file)}: ${specifier}`);
      }
    }
    expect(viaIndex).toBeGreaterThan(3);
    expect(deep).toEqual([]);
  });

  it('the public API leaves the tool-only exports to src/tools.ts', () => {
    const index = readFileSync(join(ROOT, 'src/index.ts'), 'utf8');
    const tools = readFileSync(join(ROOT, 'src/tools.ts'), 'utf8');
    for (const name of ['LiquidFields', 'GpuTimer', 'readbackCount', 'readFloat32', 'KernelFamily', 'solvePressurePcg', 'PcgPressureStage', 'randomScene', 'seededRandom', 'cellCentredVelocity']) {
      expect(index, `src/index.ts exports ${name}`).not.toMatch(new RegExp(`\\b${name}\\b`));
      expect(tools, `src/tools.ts exports ${name}`).toMatch(new RegExp(`\\b${name}\\b`));
    }
  });

  it('src/reference/ (CPU references, the tests\' oracles) is imported by no runtime code', () => {
    // The one exception: the headroom study (latent-liquid headroom) runs the mirrors as its
    // solver on dataset frames, offline on the CPU; nothing of it runs in a frame.
    const offline = ['src/bench/pressure-headroom.ts'];
    const users: string[] = [];
    for (const dir of ['src', 'plugin', 'examples']) {
      for (const file of sourceFiles(join(ROOT, dir))) {
        if (rel(file).startsWith('src/reference/') || offline.includes(rel(file))) continue;
        for (const { target } of imports(file)) if (target && rel(target).startsWith('src/reference/')) users.push(rel(file));
      }
    }
    expect(users).toEqual([]);
  });
});
