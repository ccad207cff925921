#version 450
#include "shared.h"
layout(set = 0, binding = BLIT_BINDING_IMAGE) uniform sampler2D uImage;
layout(location = 0) in vec2 vUv;
layout(location = 0) out vec4 outColour;
void main() { outColour = vec4(texture(uImage, vUv).rgb, 1.0); }
