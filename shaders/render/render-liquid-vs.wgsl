// Liquid surface proxy: vertex stage (PlayCanvas ShaderMaterial, WGSL).
//
// The proxy mesh is the simulation box in the parent entity's local space, [0, n * cellSize] on
// each axis. The material renders its back faces (front-face culling), so every pixel covered by
// the box runs the ray march exactly once, whether the camera is outside or inside the box. The
// fragment stage reconstructs the view ray in the box's local frame from `vLocalPos`.

attribute vertex_position: vec3f;

uniform matrix_viewProjection: mat4x4f;
uniform liquid_model: mat4x4f;

varying vLocalPos: vec3f;

@vertex
fn vertexMain(input: VertexInput) -> VertexOutput {
    var output: VertexOutput;
    let worldPos = uniform.liquid_model * vec4f(input.vertex_position, 1.0);
    output.position = uniform.matrix_viewProjection * worldPos;
    output.vLocalPos = input.vertex_position;
    return output;
}
