// Autograd entry points, grad mode, threads, seeding and device queries.
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <ATen/Parallel.h>
#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <memory>
#include <vector>
#include "common.h"

namespace fovea {

static Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), UnwrapTensor(info[0], "tensor").requires_grad());
  });
}

static Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    UnwrapTensor(info[0], "tensor").set_requires_grad(info[1].ToBoolean().Value());
    return info.Env().Undefined();
  });
}

static Napi::Value IsLeaf(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value { return Napi::Boolean::New(info.Env(), UnwrapTensor(info[0], "tensor").is_leaf()); });
}

static Napi::Value GradFnName(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    const auto& fn = UnwrapTensor(info[0], "tensor").grad_fn();
    if (!fn) return info.Env().Null();
    return Napi::String::New(info.Env(), fn->name());
  });
}

// grad(h) -> handle of .grad, or null.
static Napi::Value Grad(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    const at::Tensor& g = UnwrapTensor(info[0], "tensor").grad();
    if (!g.defined()) return info.Env().Null();
    return WrapTensor(info.Env(), g);
  });
}

// setGrad(h, g | null): null clears the gradient (PyTorch's zero_grad(set_to_none=True)).
static Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    at::Tensor& t = UnwrapTensor(info[0], "tensor");
    if (info[1].IsNull() || info[1].IsUndefined()) {
      t.mutable_grad() = at::Tensor();
    } else {
      t.mutable_grad() = UnwrapTensor(info[1], "grad");
    }
    return info.Env().Undefined();
  });
}

static std::vector<at::Tensor> TensorsFromJs(const Napi::Value& v, const char* what, bool allowNull) {
  std::vector<at::Tensor> out;
  if (!v.IsArray()) {
    if (allowNull && (v.IsUndefined() || v.IsNull())) return out;
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an array of tensors");
  }
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value x = arr.Get(i);
    if (allowNull && (x.IsNull() || x.IsUndefined())) {
      out.emplace_back();
    } else {
      out.push_back(UnwrapTensor(x, what));
    }
  }
  return out;
}

// backward(outputs[], grads[] | null, retainGraph, createGraph)
static Napi::Value Backward(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    auto outputs = TensorsFromJs(info[0], "outputs", false);
    auto grads = TensorsFromJs(info[1], "gradients", true);
    bool create = info.Length() > 3 && info[3].ToBoolean().Value();
    c10::optional<bool> retain;
    if (info.Length() > 2 && info[2].IsBoolean()) retain = info[2].As<Napi::Boolean>().Value();
    for (const auto& o : outputs) {
      if (!o.requires_grad()) {
        throw Napi::Error::New(info.Env(), "backward(): the tensor does not require grad and has no grad_fn");
      }
    }
    torch::autograd::backward(outputs, grads, retain, create);
    return info.Env().Undefined();
  });
}

// grad(outputs[], inputs[], gradOutputs[] | null, retainGraph, createGraph, allowUnused) -> grads[]
static Napi::Value AutogradGrad(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    auto outputs = TensorsFromJs(info[0], "outputs", false);
    auto inputs = TensorsFromJs(info[1], "inputs", false);
    auto gradOutputs = TensorsFromJs(info[2], "gradOutputs", true);
    c10::optional<bool> retain;
    if (info.Length() > 3 && info[3].IsBoolean()) retain = info[3].As<Napi::Boolean>().Value();
    bool create = info.Length() > 4 && info[4].ToBoolean().Value();
    bool allowUnused = info.Length() > 5 && info[5].ToBoolean().Value();
    auto grads = torch::autograd::grad(outputs, inputs, gradOutputs, retain, create, allowUnused);
    auto arr = Napi::Array::New(info.Env(), grads.size());
    for (size_t i = 0; i < grads.size(); ++i) {
      arr.Set(static_cast<uint32_t>(i), grads[i].defined() ? WrapTensor(info.Env(), grads[i]) : info.Env().Null());
    }
    return arr;
  });
}

// setGradEnabled(bool) -> previous value. Grad mode is thread-local; JS runs on one thread.
static Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    bool prev = c10::GradMode::is_enabled();
    c10::GradMode::set_enabled(info[0].ToBoolean().Value());
    return Napi::Boolean::New(info.Env(), prev);
  });
}

static Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

// Inference mode is an RAII guard in C++; JS enters and exits it in strict nesting (the
// TypeScript helper uses try/finally), so the guards live on a stack here.
static std::vector<std::unique_ptr<c10::InferenceMode>> g_inference;

static Napi::Value EnterInferenceMode(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    g_inference.push_back(std::make_unique<c10::InferenceMode>(true));
    return Napi::Number::New(info.Env(), static_cast<double>(g_inference.size()));
  });
}

static Napi::Value ExitInferenceMode(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    if (g_inference.empty()) throw Napi::Error::New(info.Env(), "exitInferenceMode() without enterInferenceMode()");
    g_inference.pop_back();
    return info.Env().Undefined();
  });
}

static Napi::Value IsInferenceTensor(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), UnwrapTensor(info[0], "tensor").is_inference());
  });
}

static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    int n = info[0].As<Napi::Number>().Int32Value();
    if (n < 1) throw Napi::RangeError::New(info.Env(), "setNumThreads needs a positive count, got " + std::to_string(n));
    at::set_num_threads(n);
    return info.Env().Undefined();
  });
}

static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

static Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    at::manual_seed(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
    return info.Env().Undefined();
  });
}

static Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    auto o = Napi::Object::New(info.Env());
    bool has = at::globalContext().hasCUDA();
    o.Set("available", has);
    o.Set("deviceCount", has ? at::detail::getCUDAHooks().getNumGPUs() : 0);
    return o;
  });
}

static Napi::Value ConfigInfo(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    auto o = Napi::Object::New(info.Env());
    o.Set("parallel", at::get_parallel_info());
    o.Set("mkldnn", at::hasMKLDNN());
    o.Set("openmp", at::hasOpenMP());
    return o;
  });
}

void InitAutograd(Napi::Env env, Napi::Object exports) {
  exports.Set("requiresGrad", Napi::Function::New(env, RequiresGrad));
  exports.Set("setRequiresGrad", Napi::Function::New(env, SetRequiresGrad));
  exports.Set("isLeaf", Napi::Function::New(env, IsLeaf));
  exports.Set("gradFnName", Napi::Function::New(env, GradFnName));
  exports.Set("grad", Napi::Function::New(env, Grad));
  exports.Set("setGrad", Napi::Function::New(env, SetGrad));
  exports.Set("backward", Napi::Function::New(env, Backward));
  exports.Set("autogradGrad", Napi::Function::New(env, AutogradGrad));
  exports.Set("setGradEnabled", Napi::Function::New(env, SetGradEnabled));
  exports.Set("isGradEnabled", Napi::Function::New(env, IsGradEnabled));
  exports.Set("enterInferenceMode", Napi::Function::New(env, EnterInferenceMode));
  exports.Set("exitInferenceMode", Napi::Function::New(env, ExitInferenceMode));
  exports.Set("isInferenceTensor", Napi::Function::New(env, IsInferenceTensor));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("manualSeed", Napi::Function::New(env, ManualSeed));
  exports.Set("cudaInfo", Napi::Function::New(env, CudaInfo));
  exports.Set("configInfo", Napi::Function::New(env, ConfigInfo));
}

}  // namespace fovea
