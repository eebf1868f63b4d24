{
  # libtorch comes from $LIBTORCH (a libtorch distribution folder with include/ and lib/,
  # for example the one inside a CUDA build of PyTorch) or else Debian's libtorch-dev paths.
  "variables": {
    "libtorch%": "<!(node -p \"process.env.LIBTORCH || ''\")"
  },
  "targets": [
    {
      "target_name": "fovea_native",
      "sources": ["src/tensor.cc", "src/dispatch.cc", "src/autograd.cc", "src/addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # NAPI_EXPERIMENTAL enables basic finalizers, which free a tensor handle synchronously during
      # GC; otherwise Node defers finalizers to the event loop and a loop that never yields to it
      # (a synchronous training loop) accumulates handles.
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "conditions": [
        ["libtorch!=''", {
          "include_dirs": ["<(libtorch)/include", "<(libtorch)/include/torch/csrc/api/include"],
          "libraries": ["-L<(libtorch)/lib", "-Wl,-rpath,<(libtorch)/lib", "-Wl,--no-as-needed", "-ltorch", "-ltorch_cpu", "-lc10", "<!(test -f <(libtorch)/lib/libtorch_cuda.so && echo -ltorch_cuda || true)", "-Wl,--as-needed"]
        }, {
          "include_dirs": ["/usr/include/torch/csrc/api/include"],
          "libraries": ["-Wl,--no-as-needed", "-ltorch", "-ltorch_cpu", "-lc10", "-Wl,--as-needed"]
        }]
      ]
    }
  ]
}
