// The control block of the GPU-decided (tolerance-mode) pressure solves, in a file of its own
// because both solver families need it: the Jacobi kernels get it after common.wgsl (see
// src/gpu/compute-kernel.ts), the multigrid kernels, which are built without common.wgsl, before
// multigrid-common.wgsl (see src/solver/pressure/mgpcg-pressure-solver.ts). The host side reads
// and writes it by member name (src/solver/pressure/solve-control.ts).
//
// Jacobi's: pressure-convergence.wgsl
// writes it, the gated Jacobi kernels (pressure-jacobi.wgsl) read `converged` and return at once.
// MGPCG's is the `control` of its CgState (multigrid-common.wgsl), written by cgCheck and cgGate.
struct SolveControl {
  iterations: u32,            // iterations done in this solve
  converged: u32,             // 0 running, 1 tolerance met, 2 iteration cap reached, 3 skipped (MGPCG: a gated solve the GPU did not arm)
  maxIterations: u32,
  chunk: u32,                 // iterations between checks
  tolerance: f32,
  criterion: u32,
  checks: u32,                // checks done
  relativeResidual: f32,      // at the last check
  divergenceRms: f32,         // at the last check (1/s)
  initialDivergenceRms: f32,  // at the first check
  initialRelativeResidual: f32,
  _pad: u32,
};
