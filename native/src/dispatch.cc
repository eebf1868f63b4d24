// The generic call into libtorch's operator dispatcher. Operators are looked up once (lookup ->
// integer id) and their argument types cached, so a call only converts values.
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/function_schema.h>
#include <sstream>
#include "common.h"

namespace fovea {

struct ArgSpec {
  std::string name;
  c10::TypePtr type;  // the real type (ScalarType, Layout, ... rather than int)
  c10::optional<int32_t> n;  // fixed list length, as in int[2]
  c10::optional<c10::IValue> default_value;
};

struct OpEntry {
  c10::OperatorHandle handle;
  std::string qualified;
  std::vector<ArgSpec> args;
  // For each return: true when it aliases an input the op writes to (in-place ops), so the JS
  // side returns that input instead of a new handle.
  std::vector<bool> return_is_written_alias;
};

static std::vector<OpEntry> g_ops;

static Napi::Value Lookup(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    std::string name = info[0].As<Napi::String>().Utf8Value();
    std::string overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
    auto handle = c10::Dispatcher::singleton().findSchemaOrThrow(name.c_str(), overload.c_str());
    const auto& schema = handle.schema();
    OpEntry e{handle, name + (overload.empty() ? "" : "." + overload), {}, {}};
    for (const auto& a : schema.arguments()) {
      e.args.push_back(ArgSpec{a.name(), a.real_type(), a.N(), a.default_value()});
    }
    for (const auto& r : schema.returns()) {
      e.return_is_written_alias.push_back(r.alias_info() != nullptr && r.alias_info()->isWrite());
    }
    g_ops.push_back(std::move(e));
    return Napi::Number::New(info.Env(), static_cast<double>(g_ops.size() - 1));
  });
}

[[noreturn]] static void ArgError(Napi::Env env, const OpEntry& op, const ArgSpec& spec, const std::string& msg) {
  throw Napi::TypeError::New(env, op.qualified + ": argument '" + spec.name + "' " + msg);
}

static int64_t ToInt(Napi::Env env, const Napi::Value& v, const OpEntry& op, const ArgSpec& spec) {
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  if (!v.IsNumber()) ArgError(env, op, spec, "expects an integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int64_t>(d))) {
    ArgError(env, op, spec, "expects an integer, got " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

static c10::IValue ToIValue(Napi::Env env, const Napi::Value& v, const c10::TypePtr& type, const OpEntry& op,
                            const ArgSpec& spec) {
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      if (v.IsUndefined() || v.IsNull()) return c10::IValue();
      return ToIValue(env, v, type->castRaw<c10::OptionalType>()->getElementType(), op, spec);
    case c10::TypeKind::TensorType:
      if (!IsTensorHandle(v)) ArgError(env, op, spec, "expects a tensor");
      return UnwrapTensor(v, spec.name.c_str());
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
    case c10::TypeKind::ScalarTypeType:
    case c10::TypeKind::LayoutType:
    case c10::TypeKind::MemoryFormatType:
      return ToInt(env, v, op, spec);
    case c10::TypeKind::FloatType:
      if (!v.IsNumber()) ArgError(env, op, spec, "expects a number");
      return v.As<Napi::Number>().DoubleValue();
    case c10::TypeKind::BoolType:
      if (v.IsBoolean()) return v.As<Napi::Boolean>().Value();
      if (v.IsNumber()) return v.As<Napi::Number>().DoubleValue() != 0;
      ArgError(env, op, spec, "expects a boolean");
    case c10::TypeKind::NumberType: {
      if (v.IsBoolean()) return c10::Scalar(v.As<Napi::Boolean>().Value());
      if (!v.IsNumber()) ArgError(env, op, spec, "expects a number");
      double d = v.As<Napi::Number>().DoubleValue();
      // JS has one number type: integral values become integral scalars (as a Python int would).
      if (std::isfinite(d) && d == std::trunc(d) && std::abs(d) < 9.007199254740992e15) {
        return c10::Scalar(static_cast<int64_t>(d));
      }
      return c10::Scalar(d);
    }
    case c10::TypeKind::StringType:
      if (!v.IsString()) ArgError(env, op, spec, "expects a string");
      return v.As<Napi::String>().Utf8Value();
    case c10::TypeKind::DeviceObjType:
      return DeviceFromJs(v);
    case c10::TypeKind::GeneratorType:
      return UnwrapGenerator(v);
    case c10::TypeKind::ListType: {
      const c10::TypePtr& elem = type->castRaw<c10::ListType>()->getElementType();
      auto ek = elem->kind();
      if (ek == c10::TypeKind::IntType || ek == c10::TypeKind::SymIntType) {
        c10::List<int64_t> list;
        if (v.IsNumber()) {  // int[2] given as one number is repeated, as in PyTorch
          int64_t x = ToInt(env, v, op, spec);
          for (int32_t i = 0; i < spec.n.value_or(1); ++i) list.push_back(x);
          return list;
        }
        if (!v.IsArray()) ArgError(env, op, spec, "expects an array of integers");
        auto arr = v.As<Napi::Array>();
        list.reserve(arr.Length());
        for (uint32_t i = 0; i < arr.Length(); ++i) list.push_back(ToInt(env, arr.Get(i), op, spec));
        return list;
      }
      if (ek == c10::TypeKind::FloatType) {
        c10::List<double> list;
        if (v.IsNumber()) {
          for (int32_t i = 0; i < spec.n.value_or(1); ++i) list.push_back(v.As<Napi::Number>().DoubleValue());
          return list;
        }
        if (!v.IsArray()) ArgError(env, op, spec, "expects an array of numbers");
        auto arr = v.As<Napi::Array>();
        for (uint32_t i = 0; i < arr.Length(); ++i) {
          Napi::Value x = arr.Get(i);
          if (!x.IsNumber()) ArgError(env, op, spec, "expects an array of numbers");
          list.push_back(x.As<Napi::Number>().DoubleValue());
        }
        return list;
      }
      if (ek == c10::TypeKind::BoolType) {
        c10::List<bool> list;
        if (!v.IsArray()) ArgError(env, op, spec, "expects an array of booleans");
        auto arr = v.As<Napi::Array>();
        for (uint32_t i = 0; i < arr.Length(); ++i) list.push_back(arr.Get(i).ToBoolean().Value());
        return list;
      }
      if (ek == c10::TypeKind::TensorType) {
        if (!v.IsArray()) ArgError(env, op, spec, "expects an array of tensors");
        auto arr = v.As<Napi::Array>();
        c10::List<at::Tensor> list;
        list.reserve(arr.Length());
        for (uint32_t i = 0; i < arr.Length(); ++i) {
          Napi::Value x = arr.Get(i);
          if (!IsTensorHandle(x)) ArgError(env, op, spec, "expects an array of tensors (item " + std::to_string(i) + ")");
          list.push_back(UnwrapTensor(x, spec.name.c_str()));
        }
        return list;
      }
      if (ek == c10::TypeKind::OptionalType) {
        if (!v.IsArray()) ArgError(env, op, spec, "expects an array of tensors or nulls");
        auto arr = v.As<Napi::Array>();
        c10::List<c10::optional<at::Tensor>> list;
        for (uint32_t i = 0; i < arr.Length(); ++i) {
          Napi::Value x = arr.Get(i);
          if (x.IsNull() || x.IsUndefined()) {
            list.push_back(c10::nullopt);
          } else {
            if (!IsTensorHandle(x)) ArgError(env, op, spec, "expects an array of tensors or nulls");
            list.push_back(UnwrapTensor(x, spec.name.c_str()));
          }
        }
        return list;
      }
      ArgError(env, op, spec, "has an unsupported list type " + type->str());
    }
    default:
      ArgError(env, op, spec, "has an unsupported type " + type->str());
  }
}

static Napi::Value FromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    if (!t.defined()) return env.Null();
    return WrapTensor(env, t);
  }
  if (v.isNone()) return env.Null();
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isScalar()) return Napi::Number::New(env, v.toScalar().toDouble());
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) arr.Set(static_cast<uint32_t>(i), WrapTensor(env, list.get(i)));
    return arr;
  }
  if (v.isTuple()) {
    const auto& elems = v.toTupleRef().elements();
    auto arr = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); ++i) arr.Set(static_cast<uint32_t>(i), FromIValue(env, elems[i]));
    return arr;
  }
  if (v.isList()) {
    auto list = v.toListRef();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) arr.Set(static_cast<uint32_t>(i), FromIValue(env, list[i]));
    return arr;
  }
  throw Napi::Error::New(env, "unsupported return type " + v.tagKind());
}

// call(id, args[]) -> result. `undefined` in args means "use the schema default".
static Napi::Value Call(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    double idd = info[0].As<Napi::Number>().DoubleValue();
    if (!(idd >= 0 && idd < static_cast<double>(g_ops.size()))) throw Napi::RangeError::New(env, "unknown operator id");
    const OpEntry& op = g_ops[static_cast<size_t>(idd)];
    Napi::Array args = info[1].As<Napi::Array>();
    uint32_t given = args.Length();
    if (given > op.args.size()) {
      throw Napi::TypeError::New(env, op.qualified + " takes " + std::to_string(op.args.size()) + " arguments, got " +
                                          std::to_string(given));
    }
    torch::jit::Stack stack;
    stack.reserve(op.args.size());
    for (size_t i = 0; i < op.args.size(); ++i) {
      const ArgSpec& spec = op.args[i];
      Napi::Value v = i < given ? args.Get(static_cast<uint32_t>(i)) : env.Undefined();
      if (v.IsUndefined()) {
        if (spec.default_value) {
          stack.push_back(*spec.default_value);
          continue;
        }
        if (spec.type->kind() == c10::TypeKind::OptionalType) {
          stack.emplace_back();
          continue;
        }
        ArgError(env, op, spec, "is required");
      }
      stack.push_back(ToIValue(env, v, spec.type, op, spec));
    }
    op.handle.callBoxed(&stack);
    size_t nret = op.return_is_written_alias.size();
    if (nret == 0) return env.Undefined();
    if (nret == 1) return op.return_is_written_alias[0] ? env.Undefined() : FromIValue(env, stack[0]);
    auto arr = Napi::Array::New(env, nret);
    for (size_t i = 0; i < nret; ++i) {
      arr.Set(static_cast<uint32_t>(i), op.return_is_written_alias[i] ? env.Undefined() : FromIValue(env, stack[i]));
    }
    return arr;
  });
}

// schemas() -> every registered aten schema as text, for the wrapper generator.
static Napi::Value Schemas(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    auto names = c10::Dispatcher::singleton().getAllOpNames();
    std::vector<std::string> out;
    for (const auto& n : names) {
      auto h = c10::Dispatcher::singleton().findSchema(n);
      if (!h || !h->hasSchema()) continue;
      std::ostringstream s;
      s << h->schema();
      out.push_back(s.str());
    }
    std::sort(out.begin(), out.end());
    auto arr = Napi::Array::New(info.Env(), out.size());
    for (size_t i = 0; i < out.size(); ++i) arr.Set(static_cast<uint32_t>(i), out[i]);
    return arr;
  });
}

static Napi::Object ArgumentToJs(Napi::Env env, const c10::Argument& a) {
  auto o = Napi::Object::New(env);
  o.Set("name", a.name());
  o.Set("type", a.real_type()->annotation_str());
  if (a.N()) o.Set("n", *a.N());
  o.Set("kwargOnly", a.kwarg_only());
  o.Set("isWrite", a.alias_info() != nullptr && a.alias_info()->isWrite());
  if (a.default_value()) {
    std::ostringstream s;
    s << *a.default_value();
    o.Set("default", s.str());
  }
  return o;
}

// schemaInfo(name, overload) -> the schema as data (the wrapper generator reads this).
static Napi::Value SchemaInfo(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>().Utf8Value();
    std::string overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
    const auto& schema = c10::Dispatcher::singleton().findSchemaOrThrow(name.c_str(), overload.c_str()).schema();
    auto o = Napi::Object::New(env);
    o.Set("name", schema.name());
    o.Set("overload", schema.overload_name());
    std::ostringstream text;
    text << schema;
    o.Set("text", text.str());
    auto args = Napi::Array::New(env, schema.arguments().size());
    for (size_t i = 0; i < schema.arguments().size(); ++i) args.Set(static_cast<uint32_t>(i), ArgumentToJs(env, schema.arguments()[i]));
    o.Set("args", args);
    auto rets = Napi::Array::New(env, schema.returns().size());
    for (size_t i = 0; i < schema.returns().size(); ++i) rets.Set(static_cast<uint32_t>(i), ArgumentToJs(env, schema.returns()[i]));
    o.Set("returns", rets);
    return o;
  });
}

void InitDispatch(Napi::Env env, Napi::Object exports) {
  exports.Set("schemaInfo", Napi::Function::New(env, SchemaInfo));
  exports.Set("lookup", Napi::Function::New(env, Lookup));
  exports.Set("call", Napi::Function::New(env, Call));
  exports.Set("schemas", Napi::Function::New(env, Schemas));
}

}  // namespace fovea
