#include "render/context.h"

#include <csignal>

#include <cstdlib>
#include <cstring>

#include "core/log.h"

namespace irsim::render {

namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

VKAPI_ATTR VkBool32 VKAPI_CALL debugCallback(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                             VkDebugUtilsMessageTypeFlagsEXT,
                                             const VkDebugUtilsMessengerCallbackDataEXT* data,
                                             void* user) {
    static_cast<Context*>(user)->onValidationMessage(severity, data->pMessage ? data->pMessage : "");
    return VK_FALSE;
}

bool layerAvailable(const char* name) {
    uint32_t n = 0;
    vkEnumerateInstanceLayerProperties(&n, nullptr);
    std::vector<VkLayerProperties> layers(n);
    vkEnumerateInstanceLayerProperties(&n, layers.data());
    for (const auto& l : layers)
        if (std::strcmp(l.layerName, name) == 0) return true;
    return false;
}

// A discrete GPU first (issue 2), then integrated, virtual, and the CPU (lavapipe) last.
int deviceRank(VkPhysicalDeviceType type) {
    switch (type) {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
        case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
        default: return 0;
    }
}

}  // namespace

VulkanError::VulkanError(const std::string& what, VkResult result)
    : std::runtime_error(what + ": " + resultName(result)), result_(result) {}

const char* resultName(VkResult r) {
    switch (r) {
        case VK_SUCCESS: return "VK_SUCCESS";
        case VK_NOT_READY: return "VK_NOT_READY";
        case VK_TIMEOUT: return "VK_TIMEOUT";
        case VK_SUBOPTIMAL_KHR: return "VK_SUBOPTIMAL_KHR";
        case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
        case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
        case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
        case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
        case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT";
        case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
        case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
        case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER (no Vulkan driver)";
        case VK_ERROR_FORMAT_NOT_SUPPORTED: return "VK_ERROR_FORMAT_NOT_SUPPORTED";
        case VK_ERROR_SURFACE_LOST_KHR: return "VK_ERROR_SURFACE_LOST_KHR";
        case VK_ERROR_OUT_OF_DATE_KHR: return "VK_ERROR_OUT_OF_DATE_KHR";
        default: return "VkResult error";
    }
}

namespace {
// The result IRSIM_VK_FAULT names, VK_SUCCESS when unset or unknown; read once.
VkResult injectedFault() {
    static const VkResult fault = [] {
        const char* v = std::getenv("IRSIM_VK_FAULT");
        if (!v) return VK_SUCCESS;
        if (std::strcmp(v, "device_lost") == 0) return VK_ERROR_DEVICE_LOST;
        if (std::strcmp(v, "out_of_device_memory") == 0) return VK_ERROR_OUT_OF_DEVICE_MEMORY;
        if (std::strcmp(v, "out_of_host_memory") == 0) return VK_ERROR_OUT_OF_HOST_MEMORY;
        return VK_SUCCESS;
    }();
    return fault;
}
volatile std::sig_atomic_t gFaultArmed = 0;
}  // namespace

bool faultHookEnabled() { return injectedFault() != VK_SUCCESS; }
void armFault() { gFaultArmed = 1; }

bool isDeviceFailure(VkResult r) {
    return r == VK_ERROR_DEVICE_LOST || r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY;
}

VkResult Context::queueSubmit(const VkSubmitInfo& submit, VkFence fence) {
    if (gFaultArmed && injectedFault() != VK_SUCCESS) return injectedFault();
    return vkQueueSubmit(queue_, 1, &submit, fence);
}

void check(VkResult result, const char* what) {
    if (result != VK_SUCCESS) throw VulkanError(what, result);
}

bool ContextOptions::defaultValidation() {
    const char* v = std::getenv("IRSIM_VALIDATION");
    if (v && *v) return std::strcmp(v, "0") != 0;
#ifdef NDEBUG
    return false;
#else
    return true;
#endif
}

Context::Context(const ContextOptions& options) {
    try {
        createInstance(options);
        if (options.makeSurface) surface_ = options.makeSurface(instance_);
        pickPhysicalDevice();
        createDevice();
    } catch (...) {
        // The destructor does not run for a half-made object: undo what exists.
        if (device_) vkDestroyDevice(device_, nullptr);
        if (surface_) vkDestroySurfaceKHR(instance_, surface_, nullptr);
        if (messenger_) {
            auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
                vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
            if (destroy) destroy(instance_, messenger_, nullptr);
        }
        if (instance_) vkDestroyInstance(instance_, nullptr);
        throw;
    }
}

Context::~Context() {
    if (device_) {
        vkDeviceWaitIdle(device_);
        for (uint32_t s = 0; s < kFramesInFlight; ++s) flushSlot(s);
        vkDestroyCommandPool(device_, pool_, nullptr);
        vkDestroyDevice(device_, nullptr);
    }
    if (surface_) vkDestroySurfaceKHR(instance_, surface_, nullptr);
    if (messenger_) {
        auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
        if (destroy) destroy(instance_, messenger_, nullptr);
    }
    if (instance_) vkDestroyInstance(instance_, nullptr);
}

void Context::createInstance(const ContextOptions& options) {
    validation_ = options.validation;
    if (validation_ && !layerAvailable(kValidationLayer)) {
        log::warning("Vulkan validation requested but VK_LAYER_KHRONOS_validation is not installed "
                     "(Debian package vulkan-validationlayers)");
        validation_ = false;
    }
    std::vector<const char*> extensions;
    for (const auto& e : options.instanceExtensions) extensions.push_back(e.c_str());
    if (validation_) extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);

    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "irsim";
    app.apiVersion = VK_API_VERSION_1_2;

    VkDebugUtilsMessengerCreateInfoEXT dbg{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    dbg.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                          VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    dbg.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                      VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                      VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    dbg.pfnUserCallback = debugCallback;
    dbg.pUserData = this;

    VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    ci.pApplicationInfo = &app;
    ci.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
    ci.ppEnabledExtensionNames = extensions.data();
    if (validation_) {
        ci.enabledLayerCount = 1;
        ci.ppEnabledLayerNames = &kValidationLayer;
        ci.pNext = &dbg;  // also catches messages from vkCreateInstance itself
    }
    check(vkCreateInstance(&ci, nullptr, &instance_), "vkCreateInstance");
    if (validation_) {
        auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
        if (!create) throw VulkanError("vkCreateDebugUtilsMessengerEXT missing", VK_ERROR_EXTENSION_NOT_PRESENT);
        check(create(instance_, &dbg, nullptr, &messenger_), "vkCreateDebugUtilsMessengerEXT");
    }
}

void Context::pickPhysicalDevice() {
    uint32_t n = 0;
    check(vkEnumeratePhysicalDevices(instance_, &n, nullptr), "vkEnumeratePhysicalDevices");
    std::vector<VkPhysicalDevice> devices(n);
    check(vkEnumeratePhysicalDevices(instance_, &n, devices.data()), "vkEnumeratePhysicalDevices");
    int best = -1;
    for (VkPhysicalDevice d : devices) {
        VkPhysicalDeviceProperties p;
        vkGetPhysicalDeviceProperties(d, &p);
        uint32_t qn = 0;
        vkGetPhysicalDeviceQueueFamilyProperties(d, &qn, nullptr);
        std::vector<VkQueueFamilyProperties> families(qn);
        vkGetPhysicalDeviceQueueFamilyProperties(d, &qn, families.data());
        for (uint32_t q = 0; q < qn; ++q) {
            const VkQueueFlags need = VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT;
            if ((families[q].queueFlags & need) != need) continue;
            if (surface_) {
                VkBool32 present = VK_FALSE;
                vkGetPhysicalDeviceSurfaceSupportKHR(d, q, surface_, &present);
                if (!present) continue;
            }
            const int rank = deviceRank(p.deviceType);
            if (rank > best) {
                best = rank;
                physical_ = d;
                queueFamily_ = q;
                properties_ = p;
            }
            break;
        }
    }
    if (!physical_)
        throw VulkanError("no Vulkan device with a graphics+compute queue" +
                              std::string(surface_ ? " that can present to the window" : ""),
                          VK_ERROR_INITIALIZATION_FAILED);
    vkGetPhysicalDeviceMemoryProperties(physical_, &memory_);
    log::info(std::string("Vulkan device: ") + properties_.deviceName);
}

void Context::createDevice() {
    const float priority = 1.0f;
    VkDeviceQueueCreateInfo q{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    q.queueFamilyIndex = queueFamily_;
    q.queueCount = 1;
    q.pQueuePriorities = &priority;
    std::vector<const char*> extensions;
    if (surface_) extensions.push_back(VK_KHR_SWAPCHAIN_EXTENSION_NAME);
    VkDeviceCreateInfo ci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    ci.queueCreateInfoCount = 1;
    ci.pQueueCreateInfos = &q;
    ci.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
    ci.ppEnabledExtensionNames = extensions.data();
    // The fluoroscope draws irsim::Rng's PCG32 stream (64-bit integers) and intersects devices in
    // double, as the CPU reference does (render/gpu_fluoroscope.h).
    VkPhysicalDeviceFeatures supported{};
    vkGetPhysicalDeviceFeatures(physical_, &supported);
    if (!supported.shaderInt64 || !supported.shaderFloat64)
        throw VulkanError("the Vulkan device lacks shaderInt64 or shaderFloat64 (needed by the fluoroscope)",
                          VK_ERROR_FEATURE_NOT_PRESENT);
    VkPhysicalDeviceFeatures enabled{};
    enabled.shaderInt64 = VK_TRUE;
    enabled.shaderFloat64 = VK_TRUE;
    ci.pEnabledFeatures = &enabled;
    check(vkCreateDevice(physical_, &ci, nullptr, &device_), "vkCreateDevice");
    vkGetDeviceQueue(device_, queueFamily_, 0, &queue_);
    VkCommandPoolCreateInfo pi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pi.queueFamilyIndex = queueFamily_;
    check(vkCreateCommandPool(device_, &pi, nullptr, &pool_), "vkCreateCommandPool");
}

void Context::onValidationMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity, const char* message) {
    if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
        ++validationErrors_;
        log::error(std::string("Vulkan validation: ") + message);
    } else {
        ++validationWarnings_;
        log::warning(std::string("Vulkan validation: ") + message);
    }
}

uint32_t Context::memoryType(uint32_t typeBits, VkMemoryPropertyFlags props) const {
    for (uint32_t i = 0; i < memory_.memoryTypeCount; ++i)
        if ((typeBits & (1u << i)) && (memory_.memoryTypes[i].propertyFlags & props) == props) return i;
    throw VulkanError("no Vulkan memory type with the needed properties", VK_ERROR_OUT_OF_DEVICE_MEMORY);
}

Buffer Context::createBuffer(VkDeviceSize size, VkBufferUsageFlags usage, bool hostVisible) {
    Buffer b;
    b.size = size;
    VkBufferCreateInfo ci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    ci.size = size;
    ci.usage = usage;
    ci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    check(vkCreateBuffer(device_, &ci, nullptr, &b.buffer), "vkCreateBuffer");
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(device_, b.buffer, &req);
    VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    ai.allocationSize = req.size;
    ai.memoryTypeIndex = memoryType(req.memoryTypeBits,
                                    hostVisible ? VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                                      VK_MEMORY_PROPERTY_HOST_COHERENT_BIT
                                                : VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    VkResult r = vkAllocateMemory(device_, &ai, nullptr, &b.memory);
    if (r != VK_SUCCESS) {
        vkDestroyBuffer(device_, b.buffer, nullptr);
        throw VulkanError("vkAllocateMemory (buffer)", r);
    }
    check(vkBindBufferMemory(device_, b.buffer, b.memory, 0), "vkBindBufferMemory");
    if (hostVisible) check(vkMapMemory(device_, b.memory, 0, VK_WHOLE_SIZE, 0, &b.mapped), "vkMapMemory");
    return b;
}

Image Context::createImage(VkImageType type, VkFormat format, VkExtent3D extent, VkImageUsageFlags usage,
                           uint32_t layers) {
    Image im;
    im.format = format;
    im.extent = extent;
    VkImageCreateInfo ci{VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO};
    ci.imageType = type;
    ci.format = format;
    ci.extent = extent;
    ci.mipLevels = 1;
    ci.arrayLayers = layers;
    ci.samples = VK_SAMPLE_COUNT_1_BIT;
    ci.tiling = VK_IMAGE_TILING_OPTIMAL;
    ci.usage = usage;
    ci.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
    check(vkCreateImage(device_, &ci, nullptr, &im.image), "vkCreateImage");
    VkMemoryRequirements req;
    vkGetImageMemoryRequirements(device_, im.image, &req);
    VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    ai.allocationSize = req.size;
    ai.memoryTypeIndex = memoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    VkResult r = vkAllocateMemory(device_, &ai, nullptr, &im.memory);
    if (r != VK_SUCCESS) {
        vkDestroyImage(device_, im.image, nullptr);
        throw VulkanError("vkAllocateMemory (image)", r);
    }
    check(vkBindImageMemory(device_, im.image, im.memory, 0), "vkBindImageMemory");
    VkImageViewCreateInfo vi{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
    vi.image = im.image;
    vi.viewType = type == VK_IMAGE_TYPE_3D ? VK_IMAGE_VIEW_TYPE_3D
                  : layers > 1             ? VK_IMAGE_VIEW_TYPE_2D_ARRAY
                                           : VK_IMAGE_VIEW_TYPE_2D;
    vi.format = format;
    vi.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, layers};
    check(vkCreateImageView(device_, &vi, nullptr, &im.view), "vkCreateImageView");
    return im;
}

VkSampler Context::createSampler(VkFilter filter) {
    VkSamplerCreateInfo ci{VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO};
    ci.magFilter = ci.minFilter = filter;
    ci.mipmapMode = VK_SAMPLER_MIPMAP_MODE_NEAREST;
    // Clamp to edge: the outer half voxel takes the edge value, as the CPU march does (drr.h).
    ci.addressModeU = ci.addressModeV = ci.addressModeW = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
    ci.maxLod = 0.0f;
    VkSampler s = VK_NULL_HANDLE;
    check(vkCreateSampler(device_, &ci, nullptr, &s), "vkCreateSampler");
    return s;
}

void Context::release(Buffer& b) {
    if (!b.buffer) return;
    VkDevice d = device_;
    VkBuffer buf = b.buffer;
    VkDeviceMemory mem = b.memory;
    releaseLater([d, buf, mem] {
        vkDestroyBuffer(d, buf, nullptr);
        vkFreeMemory(d, mem, nullptr);
    });
    b = Buffer{};
}

void Context::release(Image& im) {
    if (!im.image) return;
    VkDevice d = device_;
    VkImage image = im.image;
    VkImageView view = im.view;
    VkDeviceMemory mem = im.memory;
    releaseLater([d, image, view, mem] {
        vkDestroyImageView(d, view, nullptr);
        vkDestroyImage(d, image, nullptr);
        vkFreeMemory(d, mem, nullptr);
    });
    im = Image{};
}

void Context::releaseLater(std::function<void()> destroy) { retired_[slot_].push_back(std::move(destroy)); }

void Context::flushSlot(uint32_t slot) {
    auto list = std::move(retired_[slot]);
    retired_[slot].clear();
    for (auto& f : list) f();
}

void Context::beginFrameSlot(uint32_t slot) {
    slot_ = slot % kFramesInFlight;
    flushSlot(slot_);
}

void Context::waitIdle() {
    vkDeviceWaitIdle(device_);
    for (uint32_t s = 0; s < kFramesInFlight; ++s) flushSlot(s);
}

void Context::submitAndWait(const std::function<void(VkCommandBuffer)>& record) {
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = pool_;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    check(vkAllocateCommandBuffers(device_, &ai, &cmd), "vkAllocateCommandBuffers");
    VkFence fence = VK_NULL_HANDLE;
    VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    struct Cleanup {
        VkDevice d;
        VkCommandPool p;
        VkCommandBuffer& c;
        VkFence& f;
        ~Cleanup() {
            if (f) vkDestroyFence(d, f, nullptr);
            vkFreeCommandBuffers(d, p, 1, &c);
        }
    } cleanup{device_, pool_, cmd, fence};
    check(vkCreateFence(device_, &fi, nullptr, &fence), "vkCreateFence");
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    check(vkBeginCommandBuffer(cmd, &bi), "vkBeginCommandBuffer");
    record(cmd);
    check(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cmd;
    check(queueSubmit(si, fence), "vkQueueSubmit");
    check(vkWaitForFences(device_, 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
}

void transitionImage(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to,
                     VkPipelineStageFlags srcStage, VkAccessFlags srcAccess,
                     VkPipelineStageFlags dstStage, VkAccessFlags dstAccess) {
    VkImageMemoryBarrier b{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
    b.srcAccessMask = srcAccess;
    b.dstAccessMask = dstAccess;
    b.oldLayout = from;
    b.newLayout = to;
    b.srcQueueFamilyIndex = b.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    b.image = image;
    b.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    vkCmdPipelineBarrier(cmd, srcStage, dstStage, 0, 0, nullptr, 0, nullptr, 1, &b);
}

VkShaderModule createShaderModule(Context& ctx, const uint32_t* words, size_t bytes) {
    VkShaderModuleCreateInfo ci{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    ci.codeSize = bytes;
    ci.pCode = words;
    VkShaderModule m = VK_NULL_HANDLE;
    check(vkCreateShaderModule(ctx.device(), &ci, nullptr, &m), "vkCreateShaderModule");
    return m;
}

}  // namespace irsim::render
