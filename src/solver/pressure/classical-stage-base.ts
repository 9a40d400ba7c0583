import type { PressureDescription, PressureMethod } from '../../scene/scene-description';
import type { SolveReport } from './solve-control';
import type { ClassicalPressureStage, PressureStepContext, PressureStepResult } from './pressure-stage';
import { IterationBudget } from './iteration-budget';

/**
 * What the classical stages share: their settings (method fixed), and the iteration budget of
 * their GPU-decided solves (`pressure.iterationBudget`), which forgets its estimate when the
 * tolerance changes.
 */
export abstract class ClassicalStageBase implements ClassicalPressureStage {
  abstract readonly name: string;
  protected current: PressureDescription;
  protected readonly budget: IterationBudget;

  constructor(readonly method: PressureMethod, device: GPUDevice, settings: PressureDescription) {
    this.current = { ...settings, method };
    this.budget = new IterationBudget(device, settings.iterationBudget === 'adaptive');
  }

  get settings(): PressureDescription {
    return { ...this.current };
  }

  configure(settings: Partial<Omit<PressureDescription, 'method'>>): void {
    const toleranceBefore = this.current.tolerance;
    this.current = { ...this.current, ...settings, method: this.method };
    this.budget.enabled = this.current.iterationBudget === 'adaptive';
    if (this.current.tolerance !== toleranceBefore) this.budget.reset();
  }

  abstract computePressure(ctx: PressureStepContext): PressureStepResult;
  abstract encodeGatedSolve(ctx: PressureStepContext, gate: GPUBuffer, passName: string): number | undefined;
  abstract readSolveReport(): Promise<SolveReport>;

  afterSubmit(): void {
    this.budget.afterSubmit();
  }

  reset(): void {
    this.budget.reset();
  }

  destroy(): void {
    this.budget.destroy();
  }
}
