#version 450
// A triangle that covers the viewport; the viewport is the panel's rectangle.
layout(location = 0) out vec2 vUv;
void main() {
    const vec2 pos = vec2((gl_VertexIndex << 1) & 2, gl_VertexIndex & 2);
    vUv = pos;
    gl_Position = vec4(pos * 2.0 - 1.0, 0.0, 1.0);
}
