// Entry point of the Fovea native addon.
#include <torch/csrc/api/include/torch/version.h>
#include "common.h"

#define FOVEA_STR2(x) #x
#define FOVEA_STR(x) FOVEA_STR2(x)

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  fovea::InitTensor(env, exports);
  fovea::InitDispatch(env, exports);
  fovea::InitAutograd(env, exports);
  exports.Set("torchVersion", Napi::String::New(env, FOVEA_STR(TORCH_VERSION_MAJOR) "." FOVEA_STR(TORCH_VERSION_MINOR) "." FOVEA_STR(TORCH_VERSION_PATCH)));
  return exports;
}

NODE_API_MODULE(fovea_native, Init)
