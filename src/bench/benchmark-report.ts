import type { BenchmarkResult } from './pressure-benchmark';

const f = (v: number | null | undefined, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
const e = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toExponential(2));
const mib = (b: number | null) => (b === null ? '-' : (b / 1048576).toFixed(2));

/** A smoothing row's coarse cycle: "cc512 (levels 2+)", "cc512 (none)" where no level qualifies, "cc0 (off)". */
export function coarseCycle(m: { coarseCycleCells: number; coarseCycleStart: number }): string {
  if (m.coarseCycleCells === 0) return 'cc0 (off)';
  return `cc${m.coarseCycleCells} (${m.coarseCycleStart < 0 ? 'none' : `levels ${m.coarseCycleStart}+`})`;
}

/** The benchmark as Markdown tables. */
export function benchmarkMarkdown(r: BenchmarkResult): string {
  const lines: string[] = [];
  lines.push(`Adapter: ${r.adapter}. Timing: ${r.timing}. Date: ${r.date}. Scene: ${r.options.preset}, ${r.options.warmupFrames} warm-up frames, medians of ${r.options.repeats} runs.`);
  lines.push('');
  lines.push('Jacobi at fixed iteration counts (pressure solve time and the divergence it leaves):');
  lines.push('');
  lines.push(`| grid | ${r.options.jacobiIterations.map((k) => `${k} it: ms / div`).join(' | ')} |`);
  lines.push(`| --- | ${r.options.jacobiIterations.map(() => '---').join(' | ')} |`);
  for (const x of r.results) {
    lines.push(`| ${x.resolution.join('x')} | ${r.options.jacobiIterations.map((k) => `${f(x.jacobi[k]?.pressureMs)} / ${e(x.jacobi[k]?.divergenceL2)}`).join(' | ')} |`);
  }
  lines.push('');
  lines.push(`Latent path (prediction + ${r.options.correctionIterations} correction iterations) against Jacobi at the same residual:`);
  lines.push('');
  lines.push('| grid | LSTM ms | decode ms | apply ms | correction ms | fallback (idle) ms | latent pressure ms | latent div | Jacobi iterations to match | Jacobi ms to match | latent / Jacobi |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const x of r.results) {
    const l = x.latent;
    if (!l) { lines.push(`| ${x.resolution.join('x')} | ${x.latentError ?? 'no model'} | | | | | | | | | |`); continue; }
    lines.push(`| ${x.resolution.join('x')} | ${f(l.passes.lstm)} | ${f(l.passes.decode)} | ${f(l.passes.applyPrediction)} | ${f(l.passes.correction)} | ${f(l.passes.fallback)} | ${f(l.pressureMs)} | ${e(l.divergenceL2)} | ${f(x.jacobiAtLatentResidual?.iterations, 0)} | ${f(x.jacobiAtLatentResidual?.pressureMs)} | ${f(x.ratioAtMatchedResidual, 3)} |`);
  }
  if (r.results.some((x) => x.latentRuntimes?.length || x.latentWgslError || x.latentCaptureError)) {
    lines.push('');
    lines.push("The latent path by runtime (onnxruntime-web, our WGSL kernels, onnxruntime-web with graph capture 'ort-captured'), same state; GPU ms per pass, and wall ms of the whole step until the GPU finished it:");
    lines.push('');
    lines.push('| grid | runtime | LSTM ms | decode ms | encode ms (solved step) | latent pressure ms | latent div | predicted step: GPU ms / wall ms | solved step: GPU ms / wall ms | network GPU MiB |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const x of r.results) {
      for (const rt of x.latentRuntimes ?? []) {
        const p = rt.predicted, s = rt.solveFrame;
        lines.push(`| ${x.resolution.join('x')} | ${rt.runtime} | ${f(p.passes.lstm)} | ${f(p.passes.decode)} | ${f(s.passes.encode)} | ${f(p.pressureMs)} | ${e(p.divergenceL2)} | ${f(p.frameMs)} / ${f(p.wallMs)} | ${f(s.frameMs)} / ${f(s.wallMs)} | ${mib(rt.networkBytes)} |`);
      }
      if (x.latentWgslError) lines.push(`| ${x.resolution.join('x')} | wgsl | ${x.latentWgslError} | | | | | | | |`);
      if (x.latentCaptureError) lines.push(`| ${x.resolution.join('x')} | ort-captured | ${x.latentCaptureError} | | | | | | | |`);
    }
  }
  lines.push('');
  lines.push(`Classical methods from the same state: Jacobi and MGPCG to relative residual ${e(r.options.relativeTolerance)} (GPU-decided, caps ${r.options.jacobiMaxIterations} and ${r.options.mgpcgMaxIterations}; 'cap' encodes the cap every step, 'adaptive' the last solve's iterations plus a margin, the default), and the cost of Jacobi's tolerance mode per iteration against a fixed-count iteration:`);
  lines.push('');
  lines.push('| grid | Jacobi fixed us/it | Jacobi tol. iterations | Jacobi tol. ms, cap | Jacobi tol. ms, adaptive | Jacobi tol. us/it, adaptive | overhead | MGPCG iterations | MGPCG ms, cap | MGPCG ms, adaptive | MGPCG us/it, adaptive | MGPCG div | MGPCG whole frame ms | dispatches/it |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const x of r.results) {
    const m = x.methods;
    if (!m) continue;
    lines.push(`| ${x.resolution.join('x')} | ${f(1000 * m.jacobiFixedMsPerIteration, 1)} | ${m.jacobiTolerance.iterations}${m.jacobiTolerance.outcome === 'converged' ? '' : ' (cap)'} | ${f(m.jacobiTolerance.pressureMs)} | ${f(m.jacobiToleranceAdaptive.pressureMs)} | ${f(1000 * m.jacobiToleranceAdaptive.msPerIteration, 1)} | ${f(m.jacobiToleranceOverhead)}x | ${m.mgpcgTolerance.iterations}${m.mgpcgTolerance.outcome === 'converged' ? '' : ' (cap)'} | ${f(m.mgpcgTolerance.pressureMs)} | ${f(m.mgpcgToleranceAdaptive.pressureMs)} | ${f(1000 * m.mgpcgToleranceAdaptive.msPerIteration, 1)} | ${e(m.mgpcgToleranceAdaptive.divergenceL2)} | ${f(m.mgpcgToleranceAdaptive.frameMs)} | ${m.mgpcgDispatchesPerIteration} |`);
  }
  lines.push('');
  lines.push(`MGPCG iterations to ${e(r.options.relativeTolerance)} by warm start: from the previous frame's pressure (as in a simulation) and from the hydrostatic pressure (no warm start; measures the preconditioner):`);
  lines.push('');
  lines.push('| grid | from previous: iterations / ms | from hydrostatic: iterations / ms |');
  lines.push('| --- | --- | --- |');
  for (const x of r.results) {
    const m = x.methods;
    if (!m?.mgpcgFromHydrostatic) continue;
    lines.push(`| ${x.resolution.join('x')} | ${m.mgpcgTolerance.iterations} / ${f(m.mgpcgTolerance.pressureMs)} | ${m.mgpcgFromHydrostatic.iterations} / ${f(m.mgpcgFromHydrostatic.pressureMs)} |`);
  }
  if (r.results.some((x) => x.methods?.smoothings?.length)) {
    lines.push('');
    lines.push(`MGPCG to ${e(r.options.relativeTolerance)} by V-cycle smoothing (sweeps before and after each coarse correction) and coarse cycle (the levels below the finest with at most that many cells in one dispatch; 'off': one dispatch per operation and level), from the same state:`);
    lines.push('');
    lines.push('| grid | smoothing | coarse cycle | from previous: iterations | ms, adaptive | ms, cap | us/it | from hydrostatic: iterations / ms | dispatches/it |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const x of r.results) {
      for (const m of x.methods?.smoothings ?? []) {
        const it = (row: { iterations: number; outcome: string }) => `${row.iterations}${row.outcome === 'converged' ? '' : ' (cap)'}`;
        lines.push(`| ${x.resolution.join('x')} | ${m.smoother} x${m.sweeps} | ${coarseCycle(m)} | ${it(m.fromPrevious)} | ${f(m.fromPrevious.pressureMs)} | ${f(m.fromPreviousCap.pressureMs)} | ${f(1000 * m.fromPrevious.msPerIteration, 1)} | ${it(m.fromHydrostatic)} / ${f(m.fromHydrostatic.pressureMs)} | ${m.dispatchesPerIteration} |`);
      }
    }
  }
  const targets = r.options.divergenceTargets;
  lines.push('');
  lines.push('Iterations and pressure ms to reach an RMS divergence (1/s) from the same state (a solve of exactly that many iterations, timed; ">" = not reached within the cap):');
  lines.push('');
  lines.push(`| grid | ${targets.map((t) => `Jacobi to ${t}`).join(' | ')} | ${targets.map((t) => `MGPCG to ${t}`).join(' | ')} |`);
  lines.push(`| --- | ${targets.map(() => '---').join(' | ')} | ${targets.map(() => '---').join(' | ')} |`);
  const cost = (c: { iterations: number; pressureMs: number; reached: boolean } | undefined) => (c ? `${c.reached ? '' : '>'}${c.iterations} it, ${f(c.pressureMs)} ms` : '-');
  for (const x of r.results) {
    const m = x.methods;
    if (!m) continue;
    const at = (t: number) => m.targets.find((y) => y.divergence === t);
    lines.push(`| ${x.resolution.join('x')} | ${targets.map((t) => cost(at(t)?.jacobi)).join(' | ')} | ${targets.map((t) => cost(at(t)?.mgpcg)).join(' | ')} |`);
  }
  if (r.results.some((x) => x.mgpcgAtLatentResidual)) {
    lines.push('');
    lines.push('At the latent path\'s residual: latent pressure ms vs Jacobi and MGPCG reaching the same RMS divergence from the same state:');
    lines.push('');
    lines.push('| grid | latent ms | latent div | Jacobi | MGPCG |');
    lines.push('| --- | --- | --- | --- | --- |');
    for (const x of r.results) {
      if (!x.latent) continue;
      lines.push(`| ${x.resolution.join('x')} | ${f(x.latent.pressureMs)} | ${e(x.latent.divergenceL2)} | ${f(x.jacobiAtLatentResidual?.iterations, 0)} it, ${f(x.jacobiAtLatentResidual?.pressureMs)} ms | ${cost(x.mgpcgAtLatentResidual ?? undefined)} |`);
    }
  }
  if (r.results.some((x) => x.predictionAsWarmStart)) {
    lines.push('');
    lines.push('The prediction as a warm start: MGPCG to the warm-up tolerance from the predicted pressure vs from the previous pressure (same state):');
    lines.push('');
    lines.push('| grid | tolerance | from previous: iterations / ms | from prediction: iterations / pressure-path ms (LSTM + decode + solve) | iterations saved (ratio) |');
    lines.push('| --- | --- | --- | --- | --- |');
    for (const x of r.results) {
      const w = x.predictionAsWarmStart;
      if (!w) continue;
      lines.push(`| ${x.resolution.join('x')} | ${e(w.tolerance)} | ${f(w.fromPrevious.iterations, 0)} / ${f(w.fromPrevious.pressureMs)} | ${f(w.fromPrediction.iterations, 0)} / ${f(w.fromPrediction.pressureMs)} | ${f(w.iterationRatio)}x |`);
    }
  }
  lines.push('');
  lines.push(`Whole frame (all passes), Jacobi ${r.options.fullIterations} iterations every frame vs latent at intervals ${r.options.intervals.join(', ')} (amortized):`);
  lines.push('');
  lines.push(`| grid | Jacobi ms | latent solved+encoded frame ms | latent predicted frame ms | ${r.options.intervals.map((n) => `latent N=${n} ms`).join(' | ')} |`);
  lines.push(`| --- | --- | --- | --- | ${r.options.intervals.map(() => '---').join(' | ')} |`);
  for (const x of r.results) {
    const w = x.wholeFrame;
    lines.push(`| ${x.resolution.join('x')} | ${f(w.jacobi)} | ${f(w.latentSolveFrame)} | ${f(w.latentPredictFrame)} | ${r.options.intervals.map((n) => f(w.latent[n])).join(' | ')} |`);
  }
  lines.push('');
  lines.push('GPU memory (MiB):');
  lines.push('');
  lines.push('| grid | liquid buffers | latent buffers | model weights (ONNX) |');
  lines.push('| --- | --- | --- | --- |');
  for (const x of r.results) lines.push(`| ${x.resolution.join('x')} | ${mib(x.memory.liquidBytes)} | ${mib(x.memory.latentBuffersBytes)} | ${mib(x.memory.modelWeightsBytes)} |`);
  lines.push('');
  for (const n of [...r.notes, r.results[0]?.memory.note ?? '']) if (n) lines.push(`- ${n}`);
  return `${lines.join('\n')}\n`;
}
