import type { PressureDescription } from '../../scene/scene-description';
import { pressureProblemText, resolvePressure } from '../../scene/pressure-settings';
import { SCENE_DEFAULTS } from '../../scene/scene-validation';
import type { GridLayout } from '../grid-layout';
import type { LiquidFields } from '../liquid-fields';
import type { JacobiPressureSolver } from './jacobi-pressure-solver';
import { JacobiPressureStage } from './jacobi-pressure-stage';
import { DEFAULT_MULTIGRID, MgpcgPressureSolver } from './mgpcg-pressure-solver';
import { MgpcgPressureStage } from './mgpcg-pressure-stage';
import { COARSE_CYCLE_CELLS } from './multigrid-levels';
import type { ClassicalPressureStage, PressureStage } from './pressure-stage';

/**
 * Tuning of a multigrid hierarchy beyond the scene's smoothing, for tools that compare it
 * (the bench); not a scene setting.
 */
export interface MultigridTuning {
  /**
   * Levels below the finest with at most this many cells are cycled in one single-workgroup
   * dispatch (0-512; default COARSE_CYCLE_CELLS = 512; 0: one dispatch per operation and level).
   */
  coarseCycleCells?: number;
}

/**
 * The pressure stages of one liquid: the stage every step runs (a classical solve, or the
 * latent runtime), the classical stage (that one, or the one the latent stage solves and falls
 * back with), and the multigrid hierarchies the MGPCG stages use, built on first use, kept
 * per smoothing and coarse-cycle threshold, and freed once no stage in use needs them.
 */
export class PressureStages {
  private stage: PressureStage;
  /** The classical solve in use: the stage itself, or the one a latent stage falls back to. */
  private classicalStage: ClassicalPressureStage;
  /** Multigrid hierarchies by smoothing (multigridKey); one unless a tool compares smoothers. */
  private readonly multigrids = new Map<string, Promise<MgpcgPressureSolver>>();
  private multigridBytes = 0;

  private constructor(private readonly device: GPUDevice, private readonly grid: GridLayout, private readonly fields: LiquidFields,
    private readonly jacobi: JacobiPressureSolver, settings: PressureDescription) {
    this.classicalStage = new JacobiPressureStage(jacobi, settings);
    this.stage = this.classicalStage;
  }

  /**
   * The stages of a liquid whose pressure is solved per `settings` (the scene's): Jacobi on
   * `jacobi`'s kernels, or MGPCG with its hierarchy built here.
   */
  static async create(device: GPUDevice, grid: GridLayout, fields: LiquidFields, jacobi: JacobiPressureSolver, settings: PressureDescription): Promise<PressureStages> {
    const stages = new PressureStages(device, grid, fields, jacobi, settings);
    if (settings.method !== 'jacobi') stages.use(await stages.createClassical(settings));
    return stages;
  }

  /** The pressure stage of each step. */
  get current(): PressureStage {
    return this.stage;
  }

  /** The classical pressure solve in use (directly, or inside the latent stage). */
  get classical(): ClassicalPressureStage {
    return this.classicalStage;
  }

  /**
   * Makes `stage` the pressure stage of the following steps and destroys the previous one
   * (unless it is the same stage, the classical stage the new one solves with, or
   * `keepPrevious` is set: tools that switch between stages they own).
   */
  use(stage: PressureStage, options: { keepPrevious?: boolean } = {}): void {
    const old = this.stage;
    this.stage = stage;
    if (isClassical(stage)) this.classicalStage = stage;
    if (!options.keepPrevious && old !== stage && old !== this.classicalStage) old.destroy?.();
  }

  /**
   * A classical stage for `settings.method`. The multigrid hierarchy is built on first use
   * (its pipelines compile once) and kept; `tuning` picks its coarse-cycle threshold (bench
   * comparisons), validated there.
   */
  async createClassical(settings: PressureDescription, tuning: MultigridTuning = {}): Promise<ClassicalPressureStage> {
    if (settings.method === 'mgpcg') {
      const multigrid = await this.multigridFor(settings, tuning.coarseCycleCells ?? COARSE_CYCLE_CELLS);
      return new MgpcgPressureStage(multigrid, settings);
    }
    return new JacobiPressureStage(this.jacobi, settings);
  }

  /**
   * Changes the classical solve's settings from the next step on: iterations, tolerances, or
   * the method (a new stage; a latent stage keeps predicting and falls back to the new one).
   * `resolvePressure` (src/scene/pressure-settings.ts) merges, defaults and checks them: a
   * method switch that names no `tolerance` or `maxIterations` gets the new method's defaults.
   * @throws RangeError naming each refused field and its allowed range (nothing changes then)
   */
  async configure(settings: Partial<PressureDescription>): Promise<void> {
    const current = this.classicalStage;
    const { settings: next, problems } = resolvePressure(current.settings, settings);
    if (problems.length > 0) throw new RangeError(pressureProblemText(problems));
    // A tool's coarse-cycle threshold (createClassical's tuning) outlives a change of the smoothing.
    const coarseCycleCells = this.classicalCoarseCycleCells;
    if (next.method === current.method && (next.method !== 'mgpcg' || multigridKey(next, coarseCycleCells) === multigridKey(current.settings, coarseCycleCells))) {
      current.configure(next);
      return;
    }
    const replacement = await this.createClassical(next, { coarseCycleCells });
    this.classicalStage = replacement;
    if (this.stage === current) this.stage = replacement;
    else this.stage.useClassicalStage?.(replacement);
    current.destroy?.();
    this.releaseUnusedMultigrids();
  }

  /** GPU memory of the multigrid hierarchies built so far (bytes). */
  get gpuBytes(): number {
    return this.multigridBytes;
  }

  /** Destroys the stage in use, the classical stage and the multigrid hierarchies. */
  destroy(): void {
    if (this.stage !== this.classicalStage) this.stage.destroy?.();
    this.classicalStage.destroy?.();
    for (const made of this.multigrids.values()) made.then((m) => m.destroy(), () => undefined);
    this.multigrids.clear();
  }

  /** The coarse-cycle threshold of the classical stage's multigrid hierarchy (the default when it has none). */
  private get classicalCoarseCycleCells(): number {
    const c = this.classicalStage;
    return c instanceof MgpcgPressureStage ? c.multigridSolver.settings.coarseCycleCells ?? COARSE_CYCLE_CELLS : COARSE_CYCLE_CELLS;
  }

  /** The multigrid hierarchy with `settings`' smoothing and that coarse-cycle threshold (built once per pair and kept). */
  private multigridFor(settings: PressureDescription, coarseCycleCells: number): Promise<MgpcgPressureSolver> {
    const m = settings.multigrid ?? SCENE_DEFAULTS.multigrid;
    const key = multigridKey(settings, coarseCycleCells);
    let made = this.multigrids.get(key);
    if (!made) {
      made = MgpcgPressureSolver.create(this.device, this.grid, this.fields, { ...DEFAULT_MULTIGRID, smoother: m.smoother, sweeps: m.sweeps, coarseCycleCells });
      this.multigrids.set(key, made);
      made.then((mg) => { this.multigridBytes += mg.byteSize; }, () => this.multigrids.delete(key));
    }
    return made;
  }

  /** Frees the hierarchies no stage in use needs (after a change of the smoothing). */
  private releaseUnusedMultigrids(): void {
    const c = this.classicalStage;
    const keep = c.method === 'mgpcg' ? multigridKey(c.settings, this.classicalCoarseCycleCells) : null;
    for (const [key, made] of this.multigrids) {
      if (key === keep) continue;
      this.multigrids.delete(key);
      made.then((mg) => { this.multigridBytes -= mg.byteSize; mg.destroy(); }, () => undefined);
    }
  }
}

function isClassical(stage: PressureStage): stage is ClassicalPressureStage {
  return 'method' in stage && 'encodeGatedSolve' in stage;
}

/** Which multigrid hierarchy a pressure setting needs (its smoothing and coarse-cycle threshold). */
function multigridKey(settings: PressureDescription, coarseCycleCells: number): string {
  const m = settings.multigrid ?? SCENE_DEFAULTS.multigrid;
  return `${m.smoother}x${m.sweeps}/cc${coarseCycleCells}`;
}
