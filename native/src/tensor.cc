// Tensor handles, the live-tensor registry, and copies between tensors and typed arrays.
#include <cstring>
#include <unordered_set>
#include "common.h"

namespace fovea {

static const napi_type_tag kTensorTag = {0x6f7665615f74656eULL, 0x736f725f68616e64ULL};
static const napi_type_tag kGeneratorTag = {0x6f7665615f67656eULL, 0x657261746f725f68ULL};

// Every handle whose tensor is still held; memory() walks it. Only touched on the JS thread.
static std::unordered_set<TensorBox*> g_live;

// A basic finalizer (runs during GC, may not call JS): only frees C++ memory.
static void FinalizeTensor(Napi::Env, TensorBox* box) {
  g_live.erase(box);
  delete box;
}

Napi::Value WrapTensor(Napi::Env env, at::Tensor t) {
  auto* box = new TensorBox{std::move(t)};
  g_live.insert(box);
  auto ext = Napi::External<TensorBox>::New(env, box, FinalizeTensor);
  ext.TypeTag(&kTensorTag);
  return ext;
}

bool IsTensorHandle(const Napi::Value& v) {
  return v.IsExternal() && v.As<Napi::Object>().CheckTypeTag(&kTensorTag);
}

static TensorBox* BoxOf(const Napi::Value& v, const char* what) {
  if (!IsTensorHandle(v)) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " is not a tensor");
  }
  return v.As<Napi::External<TensorBox>>().Data();
}

at::Tensor& UnwrapTensor(const Napi::Value& v, const char* what) {
  TensorBox* box = BoxOf(v, what);
  if (!box->t.defined()) {
    throw Napi::Error::New(v.Env(), std::string(what) + " was used after dispose()");
  }
  return box->t;
}

static void FinalizeGenerator(Napi::Env, GeneratorBox* box) { delete box; }

static Napi::Value WrapGenerator(Napi::Env env, at::Generator g) {
  auto ext = Napi::External<GeneratorBox>::New(env, new GeneratorBox{std::move(g)}, FinalizeGenerator);
  ext.TypeTag(&kGeneratorTag);
  return ext;
}

bool IsGeneratorHandle(const Napi::Value& v) {
  return v.IsExternal() && v.As<Napi::Object>().CheckTypeTag(&kGeneratorTag);
}

at::Generator UnwrapGenerator(const Napi::Value& v) {
  if (!IsGeneratorHandle(v)) throw Napi::TypeError::New(v.Env(), "expected a generator handle");
  return v.As<Napi::External<GeneratorBox>>().Data()->g;
}

at::ScalarType ScalarTypeFromJs(const Napi::Value& v) {
  if (v.IsNumber()) {
    int code = v.As<Napi::Number>().Int32Value();
    if (code < 0 || code >= static_cast<int>(at::ScalarType::NumOptions)) {
      throw Napi::RangeError::New(v.Env(), "unknown dtype code " + std::to_string(code));
    }
    return static_cast<at::ScalarType>(code);
  }
  throw Napi::TypeError::New(v.Env(), "dtype must be a dtype code");
}

c10::Device DeviceFromJs(const Napi::Value& v) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), "device must be a string such as 'cpu' or 'cuda:0'");
  return c10::Device(v.As<Napi::String>().Utf8Value());
}

static std::vector<int64_t> ShapeFromJs(const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), "shape must be an array of integers");
  auto arr = v.As<Napi::Array>();
  std::vector<int64_t> shape(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value d = arr.Get(i);
    if (!d.IsNumber()) throw Napi::TypeError::New(v.Env(), "shape must be an array of integers");
    double x = d.As<Napi::Number>().DoubleValue();
    if (x < 0 || x != static_cast<double>(static_cast<int64_t>(x))) {
      throw Napi::RangeError::New(v.Env(), "shape entries must be non-negative integers, got " + std::to_string(x));
    }
    shape[i] = static_cast<int64_t>(x);
  }
  return shape;
}

static Napi::Array ShapeToJs(Napi::Env env, at::IntArrayRef sizes) {
  auto arr = Napi::Array::New(env, sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) arr.Set(static_cast<uint32_t>(i), static_cast<double>(sizes[i]));
  return arr;
}

// fromBuffer(bytes: ArrayBufferView | ArrayBuffer, shape, dtypeCode) -> handle (always a copy:
// JS may reuse or collect its buffer at any time).
static Napi::Value FromBuffer(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const uint8_t* data = nullptr;
    size_t bytes = 0;
    if (info[0].IsTypedArray()) {
      auto ta = info[0].As<Napi::TypedArray>();
      data = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
      bytes = ta.ByteLength();
    } else if (info[0].IsArrayBuffer()) {
      auto ab = info[0].As<Napi::ArrayBuffer>();
      data = static_cast<const uint8_t*>(ab.Data());
      bytes = ab.ByteLength();
    } else if (info[0].IsDataView()) {
      auto dv = info[0].As<Napi::DataView>();
      data = static_cast<const uint8_t*>(dv.ArrayBuffer().Data()) + dv.ByteOffset();
      bytes = dv.ByteLength();
    } else {
      throw Napi::TypeError::New(env, "fromBuffer expects a typed array or ArrayBuffer");
    }
    auto shape = ShapeFromJs(info[1]);
    auto dtype = ScalarTypeFromJs(info[2]);
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    size_t need = t.numel() * t.element_size();
    if (need != bytes) {
      throw Napi::RangeError::New(env, "buffer holds " + std::to_string(bytes) + " bytes but shape " +
                                           c10::str(t.sizes()) + " of " + c10::toString(dtype) + " needs " +
                                           std::to_string(need));
    }
    if (need) std::memcpy(t.data_ptr(), data, need);
    return WrapTensor(env, std::move(t));
  });
}

static at::Tensor CpuContiguous(const at::Tensor& t) {
  at::Tensor c = t;
  if (c.device().type() != c10::DeviceType::CPU) c = c.to(c10::Device(c10::DeviceType::CPU));
  if (c.is_conj()) c = c.resolve_conj();
  if (c.is_neg()) c = c.resolve_neg();
  return c.contiguous();
}

// toBuffer(h) -> ArrayBuffer holding a copy of the elements in row-major order.
static Napi::Value ToBuffer(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    at::Tensor c = CpuContiguous(UnwrapTensor(info[0], "tensor"));
    size_t bytes = c.numel() * c.element_size();
    auto ab = Napi::ArrayBuffer::New(info.Env(), bytes);
    if (bytes) std::memcpy(ab.Data(), c.data_ptr(), bytes);
    return ab;
  });
}

// dataView(h) -> ArrayBuffer that aliases the tensor's memory (zero copy). Only for contiguous
// CPU tensors; the buffer keeps the storage alive until it is collected.
static Napi::Value DataView(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    at::Tensor& t = UnwrapTensor(info[0], "tensor");
    if (!t.device().is_cpu() || !t.is_contiguous() || t.is_conj() || t.is_neg()) {
      throw Napi::Error::New(info.Env(), "dataView needs a contiguous CPU tensor; call contiguous() or cpu() first");
    }
    size_t bytes = t.numel() * t.element_size();
    if (bytes == 0) return Napi::ArrayBuffer::New(info.Env(), 0);
    auto* keep = new at::Tensor(t);
    return Napi::ArrayBuffer::New(info.Env(), t.data_ptr(), bytes,
                                  [](Napi::Env, void*, at::Tensor* k) { delete k; }, keep);
  });
}

static Napi::Value Item(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    at::Tensor& t = UnwrapTensor(info[0], "tensor");
    if (t.numel() != 1) {
      throw Napi::Error::New(info.Env(), "item() needs a tensor with one element, got shape " + c10::str(t.sizes()));
    }
    c10::Scalar s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(info.Env(), static_cast<double>(s.toLong()));
    return Napi::Number::New(info.Env(), s.toDouble());
  });
}

static Napi::Value Shape(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value { return ShapeToJs(info.Env(), UnwrapTensor(info[0], "tensor").sizes()); });
}

static Napi::Value Strides(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value { return ShapeToJs(info.Env(), UnwrapTensor(info[0], "tensor").strides()); });
}

static Napi::Value DType(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<int>(UnwrapTensor(info[0], "tensor").scalar_type()));
  });
}

static Napi::Value Device(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    return Napi::String::New(info.Env(), UnwrapTensor(info[0], "tensor").device().str());
  });
}

static Napi::Value IsContiguous(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    at::Tensor& t = UnwrapTensor(info[0], "tensor");
    auto fmt = info.Length() > 1 && info[1].IsNumber()
                   ? static_cast<at::MemoryFormat>(info[1].As<Napi::Number>().Int32Value())
                   : at::MemoryFormat::Contiguous;
    return Napi::Boolean::New(info.Env(), t.is_contiguous(fmt));
  });
}

static Napi::Value Dispose(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    TensorBox* box = BoxOf(info[0], "tensor");
    bool was = box->t.defined();
    box->t.reset();
    g_live.erase(box);
    return Napi::Boolean::New(info.Env(), was);
  });
}

static Napi::Value IsDisposed(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value { return Napi::Boolean::New(info.Env(), !BoxOf(info[0], "tensor")->t.defined()); });
}

// share(h) -> a second handle to the same tensor (both must be disposed).
static Napi::Value Share(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value { return WrapTensor(info.Env(), UnwrapTensor(info[0], "tensor")); });
}

static Napi::Value SameTensor(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), UnwrapTensor(info[0], "a").is_same(UnwrapTensor(info[1], "b")));
  });
}

// memory() -> { tensors, bytes }: live handles, and the bytes of the distinct storages they hold.
static Napi::Value Memory(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    std::unordered_set<const void*> seen;
    double bytes = 0;
    for (TensorBox* box : g_live) {
      if (!box->t.defined() || !box->t.has_storage()) continue;
      const auto& st = box->t.storage();
      if (seen.insert(st.unsafeGetStorageImpl()).second) bytes += static_cast<double>(st.nbytes());
    }
    auto o = Napi::Object::New(info.Env());
    o.Set("tensors", static_cast<double>(g_live.size()));
    o.Set("bytes", bytes);
    return o;
  });
}

static Napi::Value NewGenerator(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    auto g = at::make_generator<at::CPUGeneratorImpl>();
    if (info.Length() > 0 && info[0].IsNumber()) {
      g.set_current_seed(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
    }
    return WrapGenerator(info.Env(), g);
  });
}

static at::Generator GeneratorOrDefault(const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return at::detail::getDefaultCPUGenerator();
  return UnwrapGenerator(v);
}

static Napi::Value GeneratorSeed(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    at::Generator g = GeneratorOrDefault(info[0]);
    std::lock_guard<std::mutex> lock(g.mutex());
    g.set_current_seed(static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value()));
    return info.Env().Undefined();
  });
}

// State as a uint8 tensor, for checkpoints (default CPU generator when h is null).
static Napi::Value GeneratorGetState(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    at::Generator g = GeneratorOrDefault(info[0]);
    std::lock_guard<std::mutex> lock(g.mutex());
    return WrapTensor(info.Env(), g.get_state());
  });
}

static Napi::Value GeneratorSetState(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    at::Generator g = GeneratorOrDefault(info[0]);
    std::lock_guard<std::mutex> lock(g.mutex());
    g.set_state(UnwrapTensor(info[1], "state"));
    return info.Env().Undefined();
  });
}

void InitTensor(Napi::Env env, Napi::Object exports) {
  exports.Set("fromBuffer", Napi::Function::New(env, FromBuffer));
  exports.Set("toBuffer", Napi::Function::New(env, ToBuffer));
  exports.Set("dataView", Napi::Function::New(env, DataView));
  exports.Set("item", Napi::Function::New(env, Item));
  exports.Set("shape", Napi::Function::New(env, Shape));
  exports.Set("strides", Napi::Function::New(env, Strides));
  exports.Set("dtype", Napi::Function::New(env, DType));
  exports.Set("device", Napi::Function::New(env, Device));
  exports.Set("isContiguous", Napi::Function::New(env, IsContiguous));
  exports.Set("dispose", Napi::Function::New(env, Dispose));
  exports.Set("isDisposed", Napi::Function::New(env, IsDisposed));
  exports.Set("share", Napi::Function::New(env, Share));
  exports.Set("sameTensor", Napi::Function::New(env, SameTensor));
  exports.Set("memory", Napi::Function::New(env, Memory));
  exports.Set("newGenerator", Napi::Function::New(env, NewGenerator));
  exports.Set("generatorSeed", Napi::Function::New(env, GeneratorSeed));
  exports.Set("generatorGetState", Napi::Function::New(env, GeneratorGetState));
  exports.Set("generatorSetState", Napi::Function::New(env, GeneratorSetState));
}

}  // namespace fovea
