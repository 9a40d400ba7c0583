/** Rendering of the simulated liquid in PlayCanvas (WebGPU). */
export {
    LiquidSurfaceRenderer,
    DEFAULT_LIQUID_LOOK,
    type LiquidLook,
    type LiquidLighting,
    type LiquidDebugView,
    type LiquidDebugSlice,
    type LiquidFrameMode,
    type LiquidSurfaceRendererOptions,
    type LiquidSunSource,
    type Rgb,
} from './liquid-surface-renderer';
export { DEBUG_COLORS, debugLegend, pressureColor, levelSetColor, cssColor, type DebugLegend, type DisplayRgb } from './debug-colors';
