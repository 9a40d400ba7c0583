// The debug slice's settings, shared by the renderer and the colour maps of its legend
// (debug-colors.ts), in a file of their own so that neither imports the other.

/** Debug views drawn as an axis-aligned slice through the box. */
export type LiquidDebugView = 'none' | 'pressure-slice' | 'levelset-slice';

/** Where the debug slice is and how values map to colours. */
export interface LiquidDebugSlice {
    /** Axis the slice is perpendicular to. Default 'z'. */
    axis: 'x' | 'y' | 'z';
    /** Position of the slice along that axis, 0..1 of the box. Default 0.5. */
    position: number;
    /** Pressure (Pa) mapped to the ends of the colour map. Default [0, 1000 * 9.81 * box height]. */
    pressureRange: [number, number];
    /** Level-set magnitude (in cells) at which the level-set colour map saturates. Default 4. */
    levelSetRange: number;
}
