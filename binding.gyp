{
  "variables": {
    "isa_sources": [
      "native/kernels/gemm.cc",
      "native/kernels/linear.cc",
      "native/kernels/elementwise.cc",
      "native/kernels/reduce.cc",
      "native/kernels/conv.cc",
      "native/kernels/optim.cc",
      "native/kernels/random-blocks.cc",
      "<!@(node -p \"require('fs').readdirSync('native/fused', { recursive: true }).filter((f) => f.endsWith('kernels.cc')).sort().map((f) => 'native/fused/' + f).join(' ')\")"
    ]
  },
  "target_defaults": {
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include", "native/binding"],
    "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
    "cflags!": ["-fno-exceptions", "-O2", "-O0"],
    "cflags_cc!": ["-fno-exceptions", "-O2", "-O0", "-std=gnu++17"],
    "cflags_cc": [
      "-std=c++17", "-O3", "-fPIC", "-fopenmp", "-ffp-contract=fast", "-fno-math-errno", "-Wall",
      "-Wno-unused-function",
      "<!(node -p \"process.env.DEEPGEN_SANITIZE ? '-fsanitize=address -fno-omit-frame-pointer -g' : '-DNDEBUG'\")"
    ]
  },
  "targets": [
    {
      "target_name": "deepgen_isa_portable",
      "type": "static_library",
      "sources": ["<@(isa_sources)"],
      "defines": ["DG_ISA_NS=isa_portable"]
    },
    {
      "target_name": "deepgen_native",
      "dependencies": ["deepgen_isa_portable"],
      "sources": [
        "native/binding/addon.cc",
        "native/kernels/dispatch.cc",
        "native/kernels/parallel.cc",
        "native/kernels/movement.cc",
        "native/kernels/pool.cc",
        "native/kernels/random.cc",
        "<!@(node -p \"require('fs').readdirSync('native/fused', { recursive: true }).filter((f) => f.endsWith('binding.cc')).sort().map((f) => 'native/fused/' + f).join(' ')\")"
      ],
      "ldflags": [
        "-fopenmp",
        "<!(node -p \"process.env.DEEPGEN_SANITIZE ? '-fsanitize=address' : '-Wl,-O1'\")"
      ],
      "conditions": [
        ["target_arch=='x64'", { "dependencies": ["deepgen_isa_avx2", "deepgen_isa_avx512"] }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "deepgen_isa_avx2",
          "type": "static_library",
          "sources": ["<@(isa_sources)"],
          "defines": ["DG_ISA_NS=isa_avx2"],
          "cflags_cc": ["-mavx2", "-mfma", "-mf16c"]
        },
        {
          "target_name": "deepgen_isa_avx512",
          "type": "static_library",
          "sources": ["<@(isa_sources)"],
          "defines": ["DG_ISA_NS=isa_avx512"],
          "cflags_cc": ["-mavx512f", "-mavx2", "-mfma", "-mf16c"]
        }
      ]
    }]
  ]
}
