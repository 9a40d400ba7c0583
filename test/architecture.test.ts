// The layering of the code base, read from its import statements: no import cycle in the core
// (src/) or the PlayCanvas layer (plugin/), the layers of src/ import only downwards (the tools
// on top, the engine-agnostic core at the bottom), the PlayCanvas layer reaches the core only
// through its public entry point (src/index.ts), the public API leaves the tool-only pieces to
// src/tools.ts, and the CPU references in src/reference/ serve the tests only.
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

/** The layers of src/ above the core, lowest first (top-level files or folders of src/). */
const LAYERS: readonly (readonly string[])[] = [
  ['index.ts', 'tools.ts', 'reference'], // the public API, and the tests' CPU oracles
  ['node'], // Node helpers (WebGPU through Dawn, model folders, .npy, PNG)
  ['analysis'], // offline studies (the predictor headroom) and their statistics
  ['bench'], // the pressure benchmark (`npm run bench`)
  ['cli'], // the command lines: `latent-liquid` and the benchmark's
];

/** Every import cycle of a file graph, each as the files along it with the first repeated last. */
function importCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return cycles;
}

describe('architecture', () => {
  it('the import statements are read (the check sees the solver importing its passes)', () => {
    const solver = imports(join(ROOT, 'src/solver/liquid-solver.ts')).map((i) => i.target && rel(i.target));
    expect(solver).toContain('src/solver/passes/advection-pass.ts');
    expect(solver.length).toBeGreaterThan(10);
  });

  it('no import cycle in src/ or plugin/ (type-only imports included)', () => {
    const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'plugin'))];
    const graph = new Map(files.map((f) => [f, imports(f).map((i) => i.target).filter((t): t is string => !!t && /\.(ts|mjs)$/.test(t))]));
    expect(graph.size).toBeGreaterThan(60);
    expect(importCycles(graph).map((c) => c.map(rel).join(' -> '))).toEqual([]);
  });

  it('the cycle check finds a cycle of type-only imports', () => {
    const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(importCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('the layers of src/ import only downwards: tools, Node helpers, the public API, then the core', () => {
    // A folder not named here is part of the core (solver/, latent/, gpu/, scene/, and the
    // capability folders colliders/, bodies/, forces/, detectors/): core folders may import one
    // another (the step runs their passes, their passes bind the solver's fields) as long as no
    // file-level cycle forms. Nothing in the core imports a layer above it.
    const rank = (path: string): number => {
      const top = rel(path).split('/')[1];
      return LAYERS.findIndex((layer) => layer.includes(top)) + 1; // 0: core
    };
    const upward: string[] = [];
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      for (const { target } of imports(file)) {
        if (target && rel(target).startsWith('src/') && rank(target) > rank(file)) upward.push(`${rel(file)} -> ${rel(target)}`);
      }
    }
    expect(upward).toEqual([]);
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
    const offline = ['src/analysis/pressure-headroom.ts'];
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
