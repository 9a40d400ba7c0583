// Render lab for the image tests (test/render-quality.test.ts): the examples' scene (floor, sun,
// sky colour, tank outline) with a 1 m LiquidSurfaceRenderer whose level set the test writes
// (no solver: fixed scenes, identical every frame), a camera the test places, and an optional
// rotated obstacle box standing in the tank.
//
// URL parameters: res=<n> grid cells per side (default 32).
import * as pc from 'playcanvas';
import { addTankEdges, createExampleApp, param } from '../../../examples/shared/example-app';
import { LiquidSurfaceRenderer, type LiquidLook } from '../../../plugin/render/liquid-surface-renderer';

const res = Number(param('res', '32'));
const ex = await createExampleApp();
if (ex) {
    const { app, camera, orbit } = ex;
    orbit.enabled = false; // the test places the camera
    const tank = new pc.Entity('tank');
    app.root.addChild(tank);
    addTankEdges(tank, new pc.Vec3(1, 1, 1));
    const renderer = new LiquidSurfaceRenderer(app, { dims: [res, res, res], cellSize: 1 / res, parent: tank });
    renderer.attachCamera(camera.camera!);

    const obstacleMaterial = new pc.StandardMaterial();
    obstacleMaterial.diffuse = new pc.Color(0.8, 0.45, 0.2);
    obstacleMaterial.update();
    const obstacle = new pc.Entity('obstacle');
    obstacle.addComponent('render', { type: 'box', material: obstacleMaterial });
    obstacle.enabled = false;
    tank.addChild(obstacle);

    // frames only on request: at 720p a frame takes seconds on SwiftShader, and a screenshot
    // would wait behind a queue of them
    app.autoRender = false;
    let frame = 0;
    let wanted = 0;
    let lastFrameMs = 0;
    let frameStart = performance.now();
    app.on('prerender', () => { frameStart = performance.now(); });
    app.on('postrender', () => {
        frame++;
        lastFrameMs = performance.now() - frameStart;
    });
    app.on('update', () => { if (frame < wanted) app.renderNextFrame = true; });
    const gpu = (app.graphicsDevice as unknown as { wgpu: GPUDevice }).wgpu;

    const lab = {
        renderer,
        get frame() { return frame; },
        /** CPU time of the last frame's render call (the GPU work may finish later). */
        get lastFrameMs() { return lastFrameMs; },
        /** Writes the level set (nx*ny*nz values, metres, negative inside). */
        setLevelSet(values: number[]) {
            gpu.queue.writeBuffer(renderer.getLevelSetGpuBuffer(), 0, new Float32Array(values));
        },
        setLook(look: Partial<LiquidLook>) { renderer.setLook(look); },
        setVisible(on: boolean) { renderer.enabled = on; },
        setFloorShadow(on: boolean) { renderer.floorShadow = on; },
        /**
         * Orbits the camera around `target` (tank local = world): distance, pitch and yaw in
         * degrees; `fov` the vertical field of view in degrees (the examples' 50 by default).
         */
        setOrbit(target: number[], distance: number, pitch: number, yaw: number, fov = 50) {
            camera.camera!.fov = fov;
            orbit.target.set(target[0], target[1], target[2]);
            Object.assign(orbit, { distance, pitch, yaw });
            orbit.apply();
        },
        /** A box in the tank (centre, euler angles in degrees, size), or hidden with null. */
        setObstacle(box: { centre: number[]; euler: number[]; size: number[] } | null) {
            obstacle.enabled = box !== null;
            if (!box) return;
            obstacle.setLocalPosition(box.centre[0], box.centre[1], box.centre[2]);
            obstacle.setLocalEulerAngles(box.euler[0], box.euler[1], box.euler[2]);
            obstacle.setLocalScale(box.size[0], box.size[1], box.size[2]);
        },
        /** A tank-local point to canvas CSS pixels. */
        project(x: number, y: number, z: number): [number, number] {
            const s = camera.camera!.worldToScreen(tank.getWorldTransform().transformPoint(new pc.Vec3(x, y, z)));
            return [s.x, s.y];
        },
        /** Resolves after n more frames were rendered. */
        waitFrames(n: number): Promise<number> {
            const target = frame + n;
            wanted = Math.max(wanted, target);
            app.renderNextFrame = true;
            return new Promise((resolve) => {
                // resolved once the GPU has finished the frames
                const check = () => (frame >= target ? void gpu.queue.onSubmittedWorkDone().then(() => resolve(frame)) : requestAnimationFrame(check));
                check();
            });
        },
    };
    (window as unknown as { lab: typeof lab }).lab = lab;
}
