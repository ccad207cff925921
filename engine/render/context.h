#pragma once
// The one owner of Vulkan objects (docs/rendering.md). Everything in engine/render and the window
// creates its buffers and images through a Context and never destroys a Vulkan object by hand:
// a released object is queued and destroyed once the frame that may still use it has finished
// (deferred destruction over kFramesInFlight frames). Errors are thrown as VulkanError; nothing
// here exits the process.
#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <vulkan/vulkan.h>

namespace irsim::render {

constexpr uint32_t kFramesInFlight = 2;

class VulkanError : public std::runtime_error {
public:
    VulkanError(const std::string& what, VkResult result);
    VkResult result() const { return result_; }

private:
    VkResult result_;
};

// A test hook for the paths no test machine reaches by itself: with IRSIM_VK_FAULT set to
// device_lost, out_of_device_memory or out_of_host_memory, once armFault() has been called (the
// window arms it on SIGUSR2) every later Context::queueSubmit returns that error instead of
// submitting, as a driver does after a GPU reset or when memory runs out (docs/robustness.md).
// faultHookEnabled() says whether the variable names one of these; armFault is signal-safe.
bool faultHookEnabled();
void armFault();

// A GPU failure the program cannot go on after: the device is lost or out of memory.
bool isDeviceFailure(VkResult result);

// Throws VulkanError naming the call when result is not VK_SUCCESS.
void check(VkResult result, const char* what);
const char* resultName(VkResult result);

struct ContextOptions {
    // VK_LAYER_KHRONOS_validation: on when IRSIM_VALIDATION=1 in the environment or in Debug
    // builds (defaultValidation()), off otherwise.
    bool validation = defaultValidation();
    // Windowed mode: the instance extensions the window system needs (glfwGetRequiredInstance-
    // Extensions) and a function that makes the surface once the instance exists. Empty for
    // headless (offscreen compute and rendering only).
    std::vector<std::string> instanceExtensions;
    std::function<VkSurfaceKHR(VkInstance)> makeSurface;

    static bool defaultValidation();
};

struct Buffer {
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    VkDeviceSize size = 0;
    void* mapped = nullptr;  // host-visible buffers stay mapped
};

struct Image {
    VkImage image = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    VkImageView view = VK_NULL_HANDLE;
    VkFormat format = VK_FORMAT_UNDEFINED;
    VkExtent3D extent{0, 0, 0};
};

class Context {
public:
    explicit Context(const ContextOptions& options = {});
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    VkInstance instance() const { return instance_; }
    VkPhysicalDevice physicalDevice() const { return physical_; }
    VkDevice device() const { return device_; }
    VkQueue queue() const { return queue_; }
    uint32_t queueFamily() const { return queueFamily_; }
    VkSurfaceKHR surface() const { return surface_; }
    bool headless() const { return surface_ == VK_NULL_HANDLE; }
    const VkPhysicalDeviceProperties& properties() const { return properties_; }
    std::string deviceName() const { return properties_.deviceName; }
    bool validationEnabled() const { return validation_; }

    // Validation-layer messages of severity ERROR since the context was made (tests require 0).
    int validationErrorCount() const { return validationErrors_.load(); }
    int validationWarningCount() const { return validationWarnings_.load(); }

    // Resources. Host-visible buffers are mapped; device-local images come with a view.
    Buffer createBuffer(VkDeviceSize size, VkBufferUsageFlags usage, bool hostVisible);
    // layers > 1: a 2D array image (its view is VK_IMAGE_VIEW_TYPE_2D_ARRAY).
    Image createImage(VkImageType type, VkFormat format, VkExtent3D extent, VkImageUsageFlags usage,
                      uint32_t layers = 1);
    VkSampler createSampler(VkFilter filter);

    // Deferred destruction: the object goes when the current frame slot comes round again (or at
    // waitIdle / destruction of the context).
    void release(Buffer& buffer);
    void release(Image& image);
    void releaseLater(std::function<void()> destroy);

    // Frame pacing for the deferred queue: call at the start of frame slot `slot` (0..
    // kFramesInFlight-1) after waiting for that slot's fence; destroys what it released then.
    void beginFrameSlot(uint32_t slot);
    // Waits for the device and destroys everything queued.
    void waitIdle();

    // vkQueueSubmit on this context's queue, through the fault hook below.
    VkResult queueSubmit(const VkSubmitInfo& submit, VkFence fence);
    // Records commands into a fresh command buffer, submits and waits (uploads, tests, headless).
    void submitAndWait(const std::function<void(VkCommandBuffer)>& record);

    VkCommandPool commandPool() const { return pool_; }
    uint32_t memoryType(uint32_t typeBits, VkMemoryPropertyFlags properties) const;

    // Reached from the debug messenger's C callback.
    void onValidationMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity, const char* message);

private:
    void createInstance(const ContextOptions& options);
    void pickPhysicalDevice();
    void createDevice();
    void flushSlot(uint32_t slot);

    bool validation_ = false;
    VkInstance instance_ = VK_NULL_HANDLE;
    VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
    VkSurfaceKHR surface_ = VK_NULL_HANDLE;
    VkPhysicalDevice physical_ = VK_NULL_HANDLE;
    VkPhysicalDeviceProperties properties_{};
    VkPhysicalDeviceMemoryProperties memory_{};
    VkDevice device_ = VK_NULL_HANDLE;
    VkQueue queue_ = VK_NULL_HANDLE;
    uint32_t queueFamily_ = 0;
    VkCommandPool pool_ = VK_NULL_HANDLE;
    uint32_t slot_ = 0;
    std::vector<std::function<void()>> retired_[kFramesInFlight];
    std::atomic<int> validationErrors_{0};
    std::atomic<int> validationWarnings_{0};
};

// Image layout transition with a full barrier between the given stages (simple and explicit; the
// render paths here are small).
void transitionImage(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to,
                     VkPipelineStageFlags srcStage, VkAccessFlags srcAccess,
                     VkPipelineStageFlags dstStage, VkAccessFlags dstAccess);

// A shader module from embedded SPIR-V words; released through the context.
VkShaderModule createShaderModule(Context& ctx, const uint32_t* words, size_t bytes);

}  // namespace irsim::render
