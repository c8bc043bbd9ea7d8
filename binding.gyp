{
  "targets": [
    {
      "target_name": "deepgen_native",
      "sources": [
        "native/binding/addon.cc",
        "native/kernels/parallel.cc",
        "native/kernels/gemm.cc",
        "native/kernels/elementwise.cc",
        "native/kernels/reduce.cc",
        "native/kernels/movement.cc",
        "native/kernels/conv.cc",
        "native/kernels/optim.cc",
        "native/kernels/random.cc",
        "<!@(node -p \"require('fs').readdirSync('native/fused', { recursive: true }).filter((f) => f.endsWith('.cc')).sort().map((f) => 'native/fused/' + f).join(' ')\")"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include", "native/binding"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-O2", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O0", "-std=gnu++17"],
      "cflags_cc": [
        "-std=c++17", "-O3", "-fopenmp", "-ffp-contract=fast", "-fno-math-errno", "-Wall", "-Wno-unused-function",
        "<!(node -p \"process.env.DEEPGEN_PORTABLE ? '-mtune=generic' : '-march=native'\")",
        "<!(node -p \"process.env.DEEPGEN_SANITIZE ? '-fsanitize=address -fno-omit-frame-pointer -g' : '-DNDEBUG'\")"
      ],
      "ldflags": [
        "-fopenmp",
        "<!(node -p \"process.env.DEEPGEN_SANITIZE ? '-fsanitize=address' : '-Wl,-O1'\")"
      ]
    }
  ]
}
