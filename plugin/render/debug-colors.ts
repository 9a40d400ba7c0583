import type { LiquidDebugSlice, LiquidDebugView } from './debug-view';

/** An sRGB (display space) colour, components 0..1. */
export type DisplayRgb = readonly [number, number, number];

/**
 * The colour maps of the debug slices, as the fragment shader (render-liquid-fs.wgsl,
 * `colorMap` and `debugSliceColor`) draws them, in display space (the slice colour is written
 * as it is, after the gamma step). For legends next to the canvas; a test compares these numbers
 * with the shader's source.
 */
export const DEBUG_COLORS = {
    /** Pressure: six stops at 0, 0.2, ..., 1 of the pressure range, linear in between. */
    pressureStops: [
        [0.19, 0.07, 0.23],
        [0.16, 0.47, 0.93],
        [0.13, 0.84, 0.66],
        [0.65, 0.98, 0.23],
        [0.98, 0.73, 0.21],
        [0.80, 0.17, 0.05],
    ] as readonly DisplayRgb[],
    /** Pressure view: cells in the air. */
    pressureAir: [0.13, 0.13, 0.15] as DisplayRgb,
    /** Pressure view: the surface (zero level set) line. */
    pressureSurfaceLine: [1, 1, 1] as DisplayRgb,
    /** Level set: the colour at the surface, blending to `inside`/`outside` at +-levelSetRange cells. */
    levelSetZero: [0.95, 0.93, 0.9] as DisplayRgb,
    levelSetInside: [0.08, 0.3, 0.85] as DisplayRgb,
    levelSetOutside: [0.85, 0.35, 0.08] as DisplayRgb,
    /** Level-set view: the surface line. */
    levelSetSurfaceLine: [0, 0, 0] as DisplayRgb,
    /** Frames from the predictor are blended towards this colour by `predictTintAmount` while a debug view is on. */
    predictTint: [1.0, 0.45, 0.1] as DisplayRgb,
    predictTintAmount: 0.22,
} as const;

/** The pressure colour map at x in [0, 1] (the shader's `colorMap`). */
export function pressureColor(x: number): [number, number, number] {
    const stops = DEBUG_COLORS.pressureStops;
    const s = Math.min(Math.max(x, 0), 1) * (stops.length - 1);
    const i = Math.min(Math.floor(s), stops.length - 2);
    const f = s - i;
    return [0, 1, 2].map((k) => stops[i][k] + (stops[i + 1][k] - stops[i][k]) * f) as [number, number, number];
}

/** The level-set colour at `cells` (signed distance in cells, negative inside) for a saturation range. */
export function levelSetColor(cells: number, range: number): [number, number, number] {
    const x = Math.min(Math.max(cells / Math.max(range, 1e-6), -1), 1);
    const { levelSetZero: z, levelSetInside: inside, levelSetOutside: outside } = DEBUG_COLORS;
    const to = cells < 0 ? inside : outside;
    const t = Math.abs(x);
    return [0, 1, 2].map((k) => z[k] + (to[k] - z[k]) * t) as [number, number, number];
}

/** A CSS colour from a display-space colour. */
export function cssColor(c: readonly number[]): string {
    return `rgb(${c.slice(0, 3).map((v) => Math.round(Math.min(Math.max(v, 0), 1) * 255)).join(', ')})`;
}

/** One entry of a legend: the gradient (left to right) and what its ends and middle mean. */
export interface DebugLegend {
    title: string;
    /** CSS `linear-gradient(to right, ...)` of the colour map. */
    gradient: string;
    /** Labels at the left end, the middle and the right end. */
    labels: [string, string, string];
    /** Other colours the view draws, with what they mean. */
    keys: { color: string; label: string }[];
}

/**
 * The legend of a debug view for the given slice settings (see
 * `LiquidSurfaceRenderer#debugSlice`); null for 'none'.
 */
export function debugLegend(view: LiquidDebugView, slice: LiquidDebugSlice): DebugLegend | null {
    const tint = cssColor(DEBUG_COLORS.predictTint);
    const predicted = { color: tint, label: `predicted frame: ${Math.round(DEBUG_COLORS.predictTintAmount * 100)} % tint` };
    if (view === 'pressure-slice') {
        const [p0, p1] = slice.pressureRange;
        const stops = DEBUG_COLORS.pressureStops.map((c, i, all) => `${cssColor(c)} ${((100 * i) / (all.length - 1)).toFixed(0)}%`);
        const pa = (p: number) => (Math.abs(p) >= 1000 ? `${(p / 1000).toPrecision(3)} kPa` : `${p.toPrecision(3)} Pa`);
        return {
            title: `pressure, slice ${slice.axis} = ${slice.position} (isobars every ${pa((p1 - p0) / 10)})`,
            gradient: `linear-gradient(to right, ${stops.join(', ')})`,
            labels: [pa(p0), pa((p0 + p1) / 2), pa(p1)],
            keys: [
                { color: cssColor(DEBUG_COLORS.pressureAir), label: 'air' },
                { color: cssColor(DEBUG_COLORS.pressureSurfaceLine), label: 'surface' },
                predicted,
            ],
        };
    }
    if (view === 'levelset-slice') {
        const r = slice.levelSetRange;
        const { levelSetInside, levelSetZero, levelSetOutside } = DEBUG_COLORS;
        return {
            title: `level set (signed distance), slice ${slice.axis} = ${slice.position} (a line every cell)`,
            gradient: `linear-gradient(to right, ${cssColor(levelSetInside)} 0%, ${cssColor(levelSetZero)} 50%, ${cssColor(levelSetOutside)} 100%)`,
            labels: [`-${r} cells (liquid)`, '0', `+${r} cells (air)`],
            keys: [{ color: cssColor(DEBUG_COLORS.levelSetSurfaceLine), label: 'surface' }, predicted],
        };
    }
    return null;
}
