// Flat C signatures of every native kernel. No N-API here: the binding (native/binding) validates nothing and
// assumes what TypeScript checked (shapes, index ranges, lengths). All tensors are contiguous float32 unless a
// stride array says otherwise; all sizes are int64_t.
#pragma once
#include <cstdint>

namespace dg {

// ---- threads (parallel.cc)
void set_threads(int n);
int get_threads();

// ---- instruction sets (dispatch.cc). The kernels listed in native/kernels/isa-kernels.h are built for each
// instruction set the architecture has (x86-64: "avx512", "avx2", "portable"; elsewhere "portable") and the best one
// the CPU supports is chosen when the library loads.
const char* simd_active();
// The instruction sets this CPU can run, best first, separated by spaces: "avx512 avx2 portable".
const char* simd_supported();
// Switches every listed kernel to one instruction set; false (and no change) if unknown or not supported here.
bool simd_select(const char* name);

// ---- GEMM (gemm.cc): C[b] = alpha * op(A[b]) op(B[b]) + beta * C[b], row-major, op = transpose when the flag is set.
// A[b] starts at A + b*strideA (0 broadcasts one matrix over the batch), likewise B; C[b] at C + b*m*n.
void sgemm(int64_t m, int64_t n, int64_t k, float alpha, const float* A, int64_t lda, bool transA, const float* B,
           int64_t ldb, bool transB, float beta, float* C, int64_t ldc, int nthreads);
// out[m, n] = x[m, k] · w[n, k]ᵀ + bias[n] (bias may be null): a fully connected layer in one call.
void linear_forward(const float* x, const float* w, const float* bias, float* out, int64_t m, int64_t k, int64_t n);
// Masked linear layer y = x (W ⊙ M)ᵀ + b (x [m, k], W and M [n, k], bias [n] or null) and its two gradients:
// gx [m, k] = g (W ⊙ M), gw [n, k] = (gᵀ x) ⊙ M. The masks are fused into the GEMM (packing and the tile store).
void masked_linear_forward(const float* x, const float* w, const float* mask, const float* bias, float* out, int64_t m,
                           int64_t k, int64_t n);
void masked_linear_grad_input(const float* g, const float* w, const float* mask, float* gx, int64_t m, int64_t k,
                              int64_t n);
void masked_linear_grad_weight(const float* g, const float* x, const float* mask, float* gw, int64_t m, int64_t k,
                               int64_t n);
// out = act(x · wᵀ + bias) with act a Unary op code (tanh, relu) or -1 for none, and its backward from the saved
// output y: gx = gz · w, gw = gzᵀ · x, gb = Σ_rows gz for gz = act'(·) ⊙ g (each output may be null).
void linear_act_forward(const float* x, const float* w, const float* bias, float* out, int64_t m, int64_t k, int64_t n,
                        int act);
void linear_act_backward(const float* x, const float* w, const float* y, const float* g, float* gx, float* gw,
                         float* gb, int64_t m, int64_t k, int64_t n, int act);
void sgemm_batched(int64_t batch, int64_t m, int64_t n, int64_t k, const float* A, int64_t strideA, bool transA,
                   const float* B, int64_t strideB, bool transB, float beta, float* C);

// ---- elementwise (elementwise.cc). Op codes match src/backend/ops.ts.
enum Unary {
  U_NEG, U_EXP, U_LOG, U_LOG1P, U_EXPM1, U_SQRT, U_SQUARE, U_ABS, U_SIGMOID, U_LOGSIGMOID, U_TANH, U_RELU, U_LEAKYRELU,
  U_ELU, U_SOFTPLUS, U_ERF, U_CLAMP, U_AFFINE, U_POWSCALAR, U_SIGN, U_RECIPROCAL, U_COUNT
};
enum Binary {
  B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MIN, B_MAX, B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE, B_BCE_LOGITS, B_BCE_LOGITS_GRAD,
  B_COUNT
};
void unary(int op, const float* x, float* out, int64_t n, float alpha, float beta);
// out = gy * f'(x) where y = f(x) is available too (whichever is cheaper is used).
void unary_grad(int op, const float* x, const float* y, const float* gy, float* out, int64_t n, float alpha,
                float beta);
// Broadcast binary over an output of ndim dims (already collapsed); strides are element strides, 0 broadcasts.
void binary(int op, const float* a, const float* b, float* out, int ndim, const int64_t* shape, const int64_t* sa,
            const int64_t* sb);
void where(const float* cond, const float* a, const float* b, float* out, int ndim, const int64_t* shape,
           const int64_t* sc, const int64_t* sa, const int64_t* sb);

// ---- reductions (reduce.cc): x viewed as [outer, n, inner] → out [outer, inner].
enum Reduce { R_SUM, R_MAX, R_LOGSUMEXP, R_MIN };
void reduce(int op, const float* x, float* out, int64_t outer, int64_t n, int64_t inner);
// Softmax / log-softmax over the last axis of [rows, cols].
void softmax(const float* x, float* out, int64_t rows, int64_t cols, bool log);
void softmax_grad(const float* y, const float* gy, float* out, int64_t rows, int64_t cols, bool log);
// Cross-entropy with logits z [outer, C, inner] and int targets [outer, inner] → loss [outer, inner].
void cross_entropy(const float* z, const int32_t* target, float* loss, int64_t outer, int64_t C, int64_t inner);
void cross_entropy_grad(const float* z, const int32_t* target, const float* gloss, float* gz, int64_t outer, int64_t C,
                        int64_t inner);

// ---- movement (movement.cc)
// out[dst_offset + Σ i_d*ds_d] = x[src_offset + Σ i_d*ss_d] over the index space `shape`; accumulate adds instead.
void strided_copy(const float* x, float* out, int ndim, const int64_t* shape, const int64_t* ss, int64_t src_offset,
                  const int64_t* ds, int64_t dst_offset, bool accumulate);
// index_select: out[o, j, i] = x[o, idx[j], i]; index_add: gx[o, idx[j], i] += g[o, j, i]
void index_select(const float* x, const int32_t* idx, float* out, int64_t outer, int64_t nIn, int64_t inner,
                  int64_t nIdx);
void index_add(const float* g, const int32_t* idx, float* gx, int64_t outer, int64_t nIn, int64_t inner, int64_t nIdx);
// gather: out[o, j, i] = x[o, idx[o, j, i], i]; scatter_add: gx[o, idx[o, j, i], i] += g[o, j, i]
void gather(const float* x, const int32_t* idx, float* out, int64_t outer, int64_t nIn, int64_t nOut, int64_t inner);
void scatter_add(const float* g, const int32_t* idx, float* gx, int64_t outer, int64_t nIn, int64_t nOut,
                 int64_t inner);

// ---- convolution and pooling (conv.cc), NCHW.
// Geometry: p = {N, C, H, W, Cout, kh, kw, sh, sw, ph, pw, dh, dw, Ho, Wo}
struct ConvGeom { int64_t N, C, H, W, Cout, kh, kw, sh, sw, ph, pw, dh, dw, Ho, Wo; };
void conv2d_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* out);
void conv2d_backward_input(const ConvGeom& g, const float* gy, const float* w, float* gx);
void conv2d_backward_weight(const ConvGeom& g, const float* x, const float* gy, float* gw);
// The same with only the kernel positions taps[0..nTaps) (i*kw + j, distinct) live: weights elsewhere are ignored
// and get zero gradient. taps = null means every position.
void conv2d_taps_forward(const ConvGeom& g, const int32_t* taps, int64_t nTaps, const float* x, const float* w,
                         const float* bias, float* out);
void conv2d_taps_backward_input(const ConvGeom& g, const int32_t* taps, int64_t nTaps, const float* gy, const float* w,
                                float* gx);
void conv2d_taps_backward_weight(const ConvGeom& g, const int32_t* taps, int64_t nTaps, const float* x,
                                 const float* gy, float* gw);
// Convolution with ReLUs fused in: flags bit 0 rectifies the input (conv(max(x, 0))), bit 1 the output
// (max(conv(x), 0), or with slope > 0 the leaky v > 0 ? v : slope·v); taps as above (null: every position). A
// non-null residual (the output's shape) is added to the result in the same pass (before the output ReLU; the caller
// does not combine the two).
void conv2d_relu_forward(const ConvGeom& g, const int32_t* taps, int64_t nTaps, int flags, float slope, const float* x,
                         const float* w, const float* bias, float* out, const float* residual);
// Its gradients in one pass over the batch; y is the forward output (read when bit 1 is set: gy is masked by its
// sign, 1 where y > 0, else slope); gx, gw, gb may each be null (not wanted).
void conv2d_relu_backward(const ConvGeom& g, const int32_t* taps, int64_t nTaps, int flags, float slope,
                          const float* x, const float* w, const float* y, const float* gy, float* gx, float* gw,
                          float* gb);
void maxpool2d_forward(const ConvGeom& g, const float* x, float* out, int32_t* argmax);
void maxpool2d_backward(const ConvGeom& g, const float* gy, const int32_t* argmax, float* gx);
void avgpool2d_forward(const ConvGeom& g, const float* x, float* out);
void avgpool2d_backward(const ConvGeom& g, const float* gy, float* gx);

// ---- random numbers (random.cc, threaded): `blocks` Philox4x32-10 blocks for counters counter, counter+1, …
// (4 words each)
void philox_fill(uint32_t k0, uint32_t k1, uint64_t counter, int64_t blocks, uint32_t* out);
// n Bernoulli draws from the same words: out[i] = (word i >> 8) < threshold ? one : 0 (threshold = p·2²⁴)
void bernoulli_fill(uint32_t k0, uint32_t k1, uint64_t counter, int64_t n, double threshold, float one, float* out);
// the single-threaded, vectorized halves of the two (random-blocks.cc, one per instruction set); `below` is the
// threshold as an integer: out[i] = (word i >> 8) < below ? one : 0
void philox_blocks(uint32_t k0, uint32_t k1, uint64_t counter, int64_t blocks, uint32_t* out);
void bernoulli_blocks(uint32_t k0, uint32_t k1, uint64_t counter, int64_t n, uint32_t below, float one, float* out);

// ---- optimizers (optim.cc)
void adam_step(float* p, const float* g, float* m, float* v, int64_t n, float lr, float b1, float b2, float eps,
               float bc1, float bc2, float weight_decay, bool decoupled);

}  // namespace dg
