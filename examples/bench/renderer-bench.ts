// The page of the renderer benchmark (`npm run bench -- --renderer`, src/cli/render-bench-command.ts
// builds it with esbuild and drives it through headless Chromium): a PlayCanvas app whose scene
// holds only the liquid (the LiquidVolume script: its raymarched surface and the floor ring under
// it) and a camera's clear, on a canvas of a fixed size. `window.renderBench.measure()` steps the
// dam break a few frames, pauses the solver (so no compute is in the frames measured, only the
// drawing of the same state), and times the frames: the GPU time of every render pass of a frame
// from timestamp queries (PlayCanvas's gpuProfiler) where the adapter has 'timestamp-query', else
// the wall time between animation frames.
import * as pc from 'playcanvas';
import { LiquidVolume } from '../../plugin/index';
import type { RenderBenchRow } from '../../src/cli/render-bench-command';

/** What one measurement asks for. */
export interface RenderBenchRequest {
    /** Grid cells along each side (the box is a 1 m cube). */
    resolution: number;
    /** Whitewater foam drawn (the renderer's `foam`; the solver's foam is on when `foamSolver`). */
    foam: boolean;
    /**
     * The liquid made with the `foam` attribute on (its solver makes foam while it steps), so that
     * rows with and without foam draw the same paused state, the renderer's foam turned on and off.
     */
    foamSolver: boolean;
    /** Frames of the dam break stepped before the solver is paused. */
    simFrames: number;
    /** Drawn frames discarded before measuring. */
    warmup: number;
    /** Drawn frames measured (the median is reported). */
    frames: number;
}

// The LiquidVolume script is plain JS (liquid-volume.mjs): read through this loose type.
type Liquid = any;

const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const nextFrame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

async function main(): Promise<void> {
    const params = new URLSearchParams(location.search);
    const width = Number(params.get('width') ?? 1280);
    const height = Number(params.get('height') ?? 720);
    const canvas = document.getElementById('c') as HTMLCanvasElement;
    canvas.width = width;
    canvas.height = height;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    let device: pc.GraphicsDevice;
    try {
        device = await pc.createGraphicsDevice(canvas, { deviceTypes: [pc.DEVICETYPE_WEBGPU] });
    } catch (e) {
        (window as unknown as { renderBench: unknown }).renderBench = { error: `no WebGPU device: ${(e as Error).message}` };
        return;
    }
    if (device.deviceType !== pc.DEVICETYPE_WEBGPU) {
        (window as unknown as { renderBench: unknown }).renderBench = { error: `no WebGPU device (PlayCanvas gave ${device.deviceType})` };
        return;
    }
    const app = new pc.Application(canvas, { graphicsDevice: device });
    // The canvas keeps the size asked for: the bench measures that many pixels, whatever the window.
    app.setCanvasFillMode(pc.FILLMODE_NONE, width, height);
    app.setCanvasResolution(pc.RESOLUTION_FIXED, width, height);
    const camera = new pc.Entity('camera');
    camera.addComponent('camera', { clearColor: new pc.Color(0.5, 0.5, 0.5), fov: 45 });
    // The 1 m box fills most of the picture, seen from above and in front (the surface, the
    // refraction through it and the floor ring all in view).
    camera.setPosition(0.5, 1.3, 2.0);
    camera.lookAt(0.5, 0.3, 0.5);
    app.root.addChild(camera);
    const sun = new pc.Entity('sun');
    sun.addComponent('light', { type: 'directional', intensity: 1 });
    sun.setEulerAngles(45, 30, 0);
    app.root.addChild(sun);
    app.start();

    const info = (device as any).gpuAdapter?.info as GPUAdapterInfo | undefined;
    const adapter = info ? [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' ') || '(adapter without a description)' : '(unknown adapter)';
    const timestamps = !!(device as unknown as { supportsTimestampQuery?: boolean }).supportsTimestampQuery && !!device.gpuProfiler;

    /** Reported frames of the GPU profiler: the sum over the frame's passes and each pass's time. */
    const reports: { total: number; passes: Record<string, number> }[] = [];
    if (timestamps) {
        // report() is internal to PlayCanvas: wrapped to see every frame's timings, not only the last.
        const profiler = device.gpuProfiler as any;
        const report = profiler.report.bind(profiler);
        profiler.report = (renderVersion: number, timings: number[] | null, frameTime?: number) => {
            const names: string[] | undefined = profiler.pastFrameAllocations.get(renderVersion);
            if (timings && names && timings.length > 0) {
                const passes: Record<string, number> = {};
                let total = 0;
                names.forEach((name, i) => {
                    const key = name.startsWith('RenderPass') ? name.slice(10) : name;
                    passes[key] = (passes[key] ?? 0) + timings[i];
                    total += timings[i];
                });
                reports.push({ total, passes });
            }
            report(renderVersion, timings, frameTime);
        };
    }

    let liquidEntity: pc.Entity | null = null;
    let liquid: Liquid = null;

    /** Waits for the liquid's solver to reach `frame`, failing on the controller's error status. */
    async function waitForSolverFrame(frame: number): Promise<void> {
        for (;;) {
            const status: string = liquid.controller?.status ?? '';
            if (/error|unsupported/.test(status)) throw new Error(`the liquid stopped (${status}): ${liquid.controller?.message}`);
            if ((liquid.controller?.solver?.frame ?? 0) >= frame && liquid.controller?.renderer) return;
            await nextFrame();
        }
    }

    async function measure(request: RenderBenchRequest): Promise<RenderBenchRow> {
        const { resolution, foam, foamSolver, simFrames, warmup, frames } = request;
        if (foam && !foamSolver) throw new Error('foam rows need foamSolver (a liquid made with foam)');
        if (!liquid || liquid.resolution !== resolution || liquid.foam !== foamSolver) {
            liquidEntity?.destroy();
            liquidEntity = new pc.Entity('liquid');
            liquidEntity.addComponent('script');
            app.root.addChild(liquidEntity);
            liquid = liquidEntity.script!.create(LiquidVolume, { properties: { preset: 'dam-break', resolution, cellSize: 1 / resolution, foam: foamSolver } });
            console.info(`render-bench: ${resolution}^3 liquid made; stepping ${simFrames} frames`);
            await waitForSolverFrame(simFrames);
            liquid.paused = true;
            console.info(`render-bench: ${resolution}^3 paused at frame ${liquid.controller.solver.frame}`);
        }
        liquid.controller.renderer.foam = foam;
        console.info(`render-bench: ${resolution}^3 foam ${foam ? 'on' : 'off'}: measuring`);
        let samples: number[];
        let passes: Record<string, number> | undefined;
        let timing: RenderBenchRow['timing'] = 'frame-wall';
        if (timestamps) {
            device.gpuProfiler.enabled = true;
            for (let i = 0; i < warmup; i++) await nextFrame();
            reports.length = 0;
            // Reports arrive a few frames after their frame; bounded in frames, not seconds.
            for (let i = 0; i < frames + 30 && reports.length < frames; i++) await nextFrame();
            device.gpuProfiler.enabled = false;
            if (reports.length >= frames) {
                timing = 'gpu-timestamp';
                const got = reports.slice(0, frames);
                samples = got.map((r) => r.total);
                passes = {};
                for (const name of Object.keys(got[0].passes)) passes[name] = median(got.map((r) => r.passes[name] ?? 0));
            }
        }
        if (timing === 'frame-wall') {
            // Each sample: the time between animation frames. (Waiting for queue.onSubmittedWorkDone()
            // after each frame, to hold its GPU work in the sample, stalled the page on SwiftShader
            // in Chromium here: no frame measured in 15 minutes at 160x120.)
            const frameDone = () => nextFrame();
            for (let i = 0; i < warmup; i++) await frameDone();
            let last = await frameDone();
            samples = [];
            for (let i = 0; i < frames; i++) {
                const t = await frameDone();
                samples.push(t - last);
                last = t;
            }
        }
        return { resolution, width, height, foam, timing, ms: median(samples!), samples: samples!, ...(passes ? { passes } : {}), frames, warmup, simFrames, adapter };
    }

    (window as unknown as { renderBench: unknown }).renderBench = { ready: true, adapter, timestamps, measure };
}

main().catch((e: Error) => {
    (window as unknown as { renderBench: unknown }).renderBench = { error: e.stack ?? e.message };
});
