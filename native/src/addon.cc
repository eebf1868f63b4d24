// Entry point of the Fovea native addon.
#include <torch/csrc/api/include/torch/version.h>
#include "common.h"

#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#define FOVEA_STR2(x) #x
#define FOVEA_STR(x) FOVEA_STR2(x)

// glibc hands freed blocks above its mmap threshold back to the kernel and trims the heap, so
// every training step re-faults the pages of its large activation and gradient buffers: that
// was 30-50% of a small CNN's step on 2 cores (measured by `npm run bench -- engine`). Keeping
// freed memory in the heap for reuse removes it, as PyTorch's CUDA caching allocator does on
// GPUs. Opt out with FOVEA_MALLOC=system; a user's own GLIBC_TUNABLES malloc settings win.
static const char* TuneMalloc() {
#if defined(__GLIBC__)
  const char* choice = std::getenv("FOVEA_MALLOC");
  if (choice && std::strcmp(choice, "system") == 0) return "system";
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && std::strstr(tunables, "glibc.malloc.")) return "glibc-tunables";
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
  return "keep-freed";
#else
  return "system";
#endif
}

// Values below float32's normal range (~1.2e-38: denormals) take a slow microcode path on x86,
// and training drifts into them: a scenes11 MLP went from 1,040 to 620 images/s after two
// epochs, PyTorch alike, and ran flat at 900 with flushing. Keras/TensorFlow flush them to zero
// on CPU by default; Fovea does too (FTZ/DAZ, via libtorch's setFlushDenormal). The setting is
// per thread and inherited by threads started later, so it is made here, before libtorch's
// OpenMP pool exists. Opt out with FOVEA_FLUSH_DENORMAL=0.
static bool FlushDenormal() {
  const char* choice = std::getenv("FOVEA_FLUSH_DENORMAL");
  if (choice && std::strcmp(choice, "0") == 0) return false;
  return at::globalContext().setFlushDenormal(true);
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const char* mallocMode = TuneMalloc();
  exports.Set("mallocMode", Napi::String::New(env, mallocMode));
  exports.Set("flushDenormal", Napi::Boolean::New(env, FlushDenormal()));
  fovea::InitTensor(env, exports);
  fovea::InitDispatch(env, exports);
  fovea::InitAutograd(env, exports);
  exports.Set("torchVersion", Napi::String::New(env, FOVEA_STR(TORCH_VERSION_MAJOR) "." FOVEA_STR(TORCH_VERSION_MINOR) "." FOVEA_STR(TORCH_VERSION_PATCH)));
  return exports;
}

NODE_API_MODULE(fovea_native, Init)
