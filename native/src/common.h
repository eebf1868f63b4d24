// Shared declarations of the Fovea native addon.
// The addon is deliberately thin: tensor handles, a generic dispatcher call, autograd entry
// points and copies. Everything model-shaped lives in TypeScript.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <ATen/core/Generator.h>

namespace fovea {

// A tensor handle is a JS External holding one of these. dispose() resets `t`, so a use after
// dispose is detected (undefined tensor) instead of touching freed memory.
struct TensorBox {
  at::Tensor t;
};

struct GeneratorBox {
  at::Generator g;
};

// Creates a JS handle owning `t` (counted in the live-tensor registry).
Napi::Value WrapTensor(Napi::Env env, at::Tensor t);
// The tensor behind a handle; throws a JS error naming `what` if the value is not a live handle.
at::Tensor& UnwrapTensor(const Napi::Value& v, const char* what);
bool IsTensorHandle(const Napi::Value& v);
at::Generator UnwrapGenerator(const Napi::Value& v);
bool IsGeneratorHandle(const Napi::Value& v);

at::ScalarType ScalarTypeFromJs(const Napi::Value& v);
c10::Device DeviceFromJs(const Napi::Value& v);

// Runs `fn`, turning any C++ exception (c10::Error included) into a JS Error with libtorch's
// message, so that no input can abort the process.
template <typename F>
Napi::Value Guard(const Napi::CallbackInfo& info, F&& fn) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  } catch (...) {
    throw Napi::Error::New(info.Env(), "unknown native error");
  }
}

void InitTensor(Napi::Env env, Napi::Object exports);
void InitDispatch(Napi::Env env, Napi::Object exports);
void InitAutograd(Napi::Env env, Napi::Object exports);

}  // namespace fovea
