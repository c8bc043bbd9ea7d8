// The kernels built once per instruction set (portable, AVX2+FMA, AVX-512): one X(return, name, parameters,
// arguments) line each. dispatch.cc turns the list into a table per instruction set and the public dg:: entry points
// of kernels.h, which call through the table chosen at load time. Signatures must match kernels.h (checked there).
#pragma once
#include <cstdint>

#define DG_ISA_KERNELS(X)                                                                                             \
  X(void, sgemm,                                                                                                      \
    (int64_t m, int64_t n, int64_t k, float alpha, const float* A, int64_t lda, bool transA, const float* B,          \
     int64_t ldb, bool transB, float beta, float* C, int64_t ldc, int nthreads),                                      \
    (m, n, k, alpha, A, lda, transA, B, ldb, transB, beta, C, ldc, nthreads))                                         \
  X(void, linear_forward, (const float* x, const float* w, const float* bias, float* out, int64_t m, int64_t k,       \
                           int64_t n),                                                                                \
    (x, w, bias, out, m, k, n))                                                                                       \
  X(void, masked_linear_forward,                                                                                      \
    (const float* x, const float* w, const float* mask, const float* bias, float* out, int64_t m, int64_t k,          \
     int64_t n),                                                                                                      \
    (x, w, mask, bias, out, m, k, n))                                                                                 \
  X(void, masked_linear_grad_input,                                                                                   \
    (const float* g, const float* w, const float* mask, float* gx, int64_t m, int64_t k, int64_t n),                  \
    (g, w, mask, gx, m, k, n))                                                                                        \
  X(void, masked_linear_grad_weight,                                                                                  \
    (const float* g, const float* x, const float* mask, float* gw, int64_t m, int64_t k, int64_t n),                  \
    (g, x, mask, gw, m, k, n))                                                                                        \
  X(void, linear_act_forward,                                                                                         \
    (const float* x, const float* w, const float* bias, float* out, int64_t m, int64_t k, int64_t n, int act),       \
    (x, w, bias, out, m, k, n, act))                                                                                  \
  X(void, linear_act_backward,                                                                                        \
    (const float* x, const float* w, const float* y, const float* g, float* gx, float* gw, float* gb, int64_t m,     \
     int64_t k, int64_t n, int act),                                                                                  \
    (x, w, y, g, gx, gw, gb, m, k, n, act))                                                                           \
  X(void, sgemm_batched,                                                                                              \
    (int64_t batch, int64_t m, int64_t n, int64_t k, const float* A, int64_t strideA, bool transA, const float* B,    \
     int64_t strideB, bool transB, float beta, float* C),                                                             \
    (batch, m, n, k, A, strideA, transA, B, strideB, transB, beta, C))                                                \
  X(void, unary, (int op, const float* x, float* out, int64_t n, float alpha, float beta),                           \
    (op, x, out, n, alpha, beta))                                                                                     \
  X(void, unary_grad,                                                                                                 \
    (int op, const float* x, const float* y, const float* gy, float* out, int64_t n, float alpha, float beta),        \
    (op, x, y, gy, out, n, alpha, beta))                                                                              \
  X(void, binary,                                                                                                     \
    (int op, const float* a, const float* b, float* out, int ndim, const int64_t* shape, const int64_t* sa,           \
     const int64_t* sb),                                                                                              \
    (op, a, b, out, ndim, shape, sa, sb))                                                                             \
  X(void, where,                                                                                                      \
    (const float* cond, const float* a, const float* b, float* out, int ndim, const int64_t* shape,                   \
     const int64_t* sc, const int64_t* sa, const int64_t* sb),                                                        \
    (cond, a, b, out, ndim, shape, sc, sa, sb))                                                                       \
  X(void, reduce, (int op, const float* x, float* out, int64_t outer, int64_t n, int64_t inner),                     \
    (op, x, out, outer, n, inner))                                                                                    \
  X(void, softmax, (const float* x, float* out, int64_t rows, int64_t cols, bool log), (x, out, rows, cols, log))    \
  X(void, softmax_grad, (const float* y, const float* gy, float* out, int64_t rows, int64_t cols, bool log),         \
    (y, gy, out, rows, cols, log))                                                                                    \
  X(void, cross_entropy,                                                                                              \
    (const float* z, const int32_t* target, float* loss, int64_t outer, int64_t C, int64_t inner),                    \
    (z, target, loss, outer, C, inner))                                                                               \
  X(void, cross_entropy_grad,                                                                                         \
    (const float* z, const int32_t* target, const float* gloss, float* gz, int64_t outer, int64_t C, int64_t inner), \
    (z, target, gloss, gz, outer, C, inner))                                                                          \
  X(void, conv2d_taps_forward,                                                                                         \
    (const ConvGeom& g, const int32_t* taps, int64_t nTaps, const float* x, const float* w, const float* bias,        \
     float* out),                                                                                                     \
    (g, taps, nTaps, x, w, bias, out))                                                                                \
  X(void, conv2d_taps_backward_input,                                                                                  \
    (const ConvGeom& g, const int32_t* taps, int64_t nTaps, const float* gy, const float* w, float* gx),              \
    (g, taps, nTaps, gy, w, gx))                                                                                      \
  X(void, conv2d_taps_backward_weight,                                                                                 \
    (const ConvGeom& g, const int32_t* taps, int64_t nTaps, const float* x, const float* gy, float* gw),              \
    (g, taps, nTaps, x, gy, gw))                                                                                      \
  X(void, conv2d_relu_forward,                                                                                        \
    (const ConvGeom& g, const int32_t* taps, int64_t nTaps, int flags, float slope, const float* x,                   \
     const float* w, const float* bias, float* out, const float* residual),                                           \
    (g, taps, nTaps, flags, slope, x, w, bias, out, residual))                                                        \
  X(void, conv2d_relu_backward,                                                                                       \
    (const ConvGeom& g, const int32_t* taps, int64_t nTaps, int flags, float slope, const float* x,                   \
     const float* w, const float* y, const float* gy, float* gx, float* gw, float* gb),                               \
    (g, taps, nTaps, flags, slope, x, w, y, gy, gx, gw, gb))                                                          \
  X(void, nade_forward,                                                                                               \
    (const float* x, const float* W, const float* c, const float* V, const float* b, float* logits, int64_t B,        \
     int64_t D, int64_t H),                                                                                           \
    (x, W, c, V, b, logits, B, D, H))                                                                                 \
  X(void, nade_backward,                                                                                              \
    (const float* x, const float* W, const float* c, const float* V, const float* gl, float* gx, float* gW,          \
     float* gc, float* gV, float* gb, int64_t B, int64_t D, int64_t H),                                               \
    (x, W, c, V, gl, gx, gW, gc, gV, gb, B, D, H))                                                                    \
  X(void, nade_sample,                                                                                                \
    (const float* W, const float* c, const float* V, const float* b, const float* u, const uint8_t* observed,        \
     float* x, int64_t n, int64_t D, int64_t H),                                                                      \
    (W, c, V, b, u, observed, x, n, D, H))                                                                            \
  X(void, lstm_scan_forward,                                                                                          \
    (const float* gx, const float* W, const int32_t* offsets, float* hs, float* acts, float* cs, int64_t T,         \
     int64_t N, int64_t S, int64_t H, int64_t K, int layout),                                                        \
    (gx, W, offsets, hs, acts, cs, T, N, S, H, K, layout))                                                             \
  X(void, lstm_scan_backward,                                                                                         \
    (const float* gy, const float* W, const int32_t* offsets, const float* hs, const float* acts, const float* cs,   \
     float* dgx, float* dW, int64_t T, int64_t N, int64_t S, int64_t H, int64_t K, int layout),                      \
    (gy, W, offsets, hs, acts, cs, dgx, dW, T, N, S, H, K, layout))                                                    \
  X(void, batch_norm_forward,                                                                                         \
    (const float* x, const float* w, const float* b, float* y, float* mean, float* var, int64_t N, int64_t C,         \
     int64_t S, float eps, int act, float slope),                                                                     \
    (x, w, b, y, mean, var, N, C, S, eps, act, slope))                                                                \
  X(void, batch_norm_backward,                                                                                        \
    (const float* x, const float* w, const float* mean, const float* var, const float* y, const float* gy,            \
     float* gx, float* gw, float* gb, int64_t N, int64_t C, int64_t S, float eps, int act, float slope),              \
    (x, w, mean, var, y, gy, gx, gw, gb, N, C, S, eps, act, slope))                                                   \
  X(void, gated_unit_forward, (const float* x, const float* y, float* out, int64_t R, int64_t M),                     \
    (x, y, out, R, M))                                                                                                \
  X(void, gated_unit_backward,                                                                                        \
    (const float* x, const float* y, const float* g, float* gz, int64_t R, int64_t M), (x, y, g, gz, R, M))           \
  X(void, adam_step,                                                                                                  \
    (float* p, const float* g, float* m, float* v, int64_t n, float lr, float b1, float b2, float eps, float bc1,    \
     float bc2, float weight_decay, bool decoupled),                                                                  \
    (p, g, m, v, n, lr, b1, b2, eps, bc1, bc2, weight_decay, decoupled))                                        \
  X(void, philox_blocks, (uint32_t k0, uint32_t k1, uint64_t counter, int64_t blocks, uint32_t* out),                \
    (k0, k1, counter, blocks, out))                                                                                   \
  X(void, bernoulli_blocks,                                                                                           \
    (uint32_t k0, uint32_t k1, uint64_t counter, int64_t n, uint32_t below, float one, float* out),                   \
    (k0, k1, counter, n, below, one, out))                                                                            \
  DG_ISA_KERNELS_IWAE(X)

// The IWAE estimator's kernels (native/fused/iwae/), kept in a list of their own.
#define DG_ISA_KERNELS_IWAE(X)                                                                                        \
  X(void, normal_fill, (uint32_t k0, uint32_t k1, uint64_t counter, int64_t offset, int64_t n, float* out),          \
    (k0, k1, counter, offset, n, out))                                                                                \
  X(void, iwae_estimate,                                                                                              \
    (const float* x, const float* mu, const float* logsd, int64_t B, int64_t D, int64_t L, int64_t k,                 \
     int64_t nLayers, const int64_t* sizes, const float* const* weights, const float* const* biases, int act,        \
     uint32_t k0, uint32_t k1, uint64_t counter, int64_t rows, double* logp),                                         \
    (x, mu, logsd, B, D, L, k, nLayers, sizes, weights, biases, act, k0, k1, counter, rows, logp))
