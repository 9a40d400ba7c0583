import { countReadback } from '../../gpu/readback';
import { SOLVE_CONTROL_LAYOUT } from './solve-control';

/**
 * How many iterations a GPU-decided solve encodes. Every encoded iteration runs, converged or
 * not (a converged one returns at once from each kernel, but its dispatches still launch: on
 * an NVIDIA H200 about 2.8 us each, 73 us for an MGPCG iteration at 128^3, measured), so
 * encoding the cap every step wastes much of a frame. The budget is the last solve's
 * iteration count plus a quarter (at least 2), read back asynchronously: the copy rides in the
 * step's own submission and the mapping is never waited on, so the CPU does not stall and
 * a step uses what arrived by then. A solve that ran out of budget before converging doubles
 * it (up to the cap). Off: always the cap (the scene default, which reads nothing back).
 */
export class IterationBudget {
  /** Iterations the next solve encodes when a read has arrived; null before. */
  private estimate: number | null = null;
  private staging: GPUBuffer | null = null;
  private state: 'idle' | 'copied' | 'mapping' = 'idle';
  private encodedForCopy = 0;
  private destroyed = false;

  constructor(private readonly device: GPUDevice, enabled = true) {
    this.enabled = enabled;
  }

  /** Size solves from the last ones; false: always the cap. */
  enabled: boolean;

  /** Iterations to encode for a solve capped at `cap`. */
  iterations(cap: number): number {
    if (!this.enabled || this.estimate === null) return cap;
    return Math.max(1, Math.min(cap, this.estimate));
  }

  /**
   * Copies the solve's control block (a `SolveControl` at the start of `control`: Jacobi's own,
   * or MGPCG's CgState) for the next read, unless a read is still in flight. Call after
   * encoding the solve.
   */
  encodeCopy(encoder: GPUCommandEncoder, control: GPUBuffer, encodedIterations: number): void {
    if (!this.enabled || this.state !== 'idle' || this.destroyed) return;
    this.staging ??= this.device.createBuffer({ label: 'iterationBudget.staging', size: SOLVE_CONTROL_LAYOUT.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.copyBufferToBuffer(control, 0, this.staging, 0, SOLVE_CONTROL_LAYOUT.size);
    this.encodedForCopy = encodedIterations;
    this.state = 'copied';
  }

  /** Starts the read of a copy once its submission is queued (never awaited by the step). */
  afterSubmit(): void {
    if (this.state !== 'copied' || !this.staging) return;
    this.state = 'mapping';
    const staging = this.staging;
    const encoded = this.encodedForCopy;
    countReadback();
    staging.mapAsync(GPUMapMode.READ).then(() => {
      const control = staging.getMappedRange().slice(0);
      staging.unmap();
      this.update(SOLVE_CONTROL_LAYOUT.scalar(control, 'iterations'), SOLVE_CONTROL_LAYOUT.scalar(control, 'converged'), encoded);
      this.state = 'idle';
      if (this.destroyed) staging.destroy();
    }, () => { this.state = 'idle'; });
  }

  /** Folds one finished solve (its SolveControl `iterations` and `converged`) into the estimate (exposed for tests). */
  update(iterations: number, outcome: number, encoded: number): void {
    if (outcome === 1) this.estimate = iterations + Math.max(2, Math.ceil(iterations / 4));
    else if (outcome === 2) this.estimate = Math.max(2 * encoded, 2);
    // 0 (never checked) and 3 (a gated solve the GPU skipped) say nothing about the next one.
  }

  /** Forgets the estimate (the next solve encodes the cap). */
  reset(): void {
    this.estimate = null;
  }

  destroy(): void {
    this.destroyed = true;
    if (this.state !== 'mapping') this.staging?.destroy();
    this.staging = null;
  }
}
