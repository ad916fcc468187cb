//! Verified AI inference: quantized neural networks as canonical integer programs.
//!
//! - [`program`]: the program format (tensors, ops, weights) and its well-formedness check.
//! - [`gemm`]: a one-group convolution as an int8 matrix product, the GPU's fast path.
//! - [`quant`]: requantization, onnxruntime's f32 rule computed with integers.
//! - [`softfloat`]: the binary32 arithmetic `AvgPool`, `Softmax` and `LayerNorm` need, in
//!   integers.
//! - [`reference`]: the CPU reference interpreter, the consensus definition of a result.
//! - [`task`]: a registered model as a task: its kernel-registry entry and its result (the
//!   outputs and one root per layer).
//!
//! The compiler (`aipin-compiler`, off chain) lowers int8 QDQ ONNX models to [`Program`]s;
//! the worker runs them with the WGSL kernels below and must equal [`reference::run`] bit for
//! bit. `docs/inference.md` is the normative description.

mod check;
pub mod gemm;
mod op;
pub mod program;
pub mod quant;
pub mod reference;
pub mod softfloat;
pub mod task;

pub use program::{
	AvgPool, Binary, Concat, Conv, DType, Gather, LayerNorm, Lookup, MatMul, MaxPool, Op, Program,
	ProgramError, Softmax, Tensor, Window,
};

/// WGSL for [`Conv`] (and dense layers): one invocation per output element. Any convolution;
/// the one-group ones take the faster [`IM2COL_WGSL`] + [`CONV_GEMM_WGSL`] path.
pub const CONV_WGSL: &str = concat!(include_str!("requant.wgsl"), include_str!("conv.wgsl"));
/// WGSL building the im2col matrix of a one-group [`Conv`] ([`gemm`]).
pub const IM2COL_WGSL: &str = include_str!("im2col.wgsl");
/// WGSL for a one-group [`Conv`] as an int8 GEMM over its im2col matrix ([`gemm`]),
/// requantized.
pub const CONV_GEMM_WGSL: &str =
	concat!(include_str!("requant.wgsl"), include_str!("conv_gemm.wgsl"));
/// WGSL for [`MaxPool`].
pub const MAXPOOL_WGSL: &str = include_str!("maxpool.wgsl");
/// WGSL for a [`Lookup`] or one input of a [`Concat`]: a table lookup per element, into its
/// place.
pub const TABLE_WGSL: &str = include_str!("table.wgsl");
/// WGSL for the ops that only move values ([`Op::Transpose`], [`Op::Expand`]): a gather
/// through the reference's own index map (`reference::index_map`).
pub const RELAYOUT_WGSL: &str = include_str!("relayout.wgsl");
/// WGSL for [`AvgPool`]: binary32 sums and divisions computed with integers.
pub const AVGPOOL_WGSL: &str =
	concat!(include_str!("softfloat.wgsl"), include_str!("avgpool.wgsl"));
/// WGSL for [`Softmax`]: one invocation per row, binary32 arithmetic computed with integers.
pub const SOFTMAX_WGSL: &str =
	concat!(include_str!("softfloat.wgsl"), include_str!("softmax.wgsl"));
/// WGSL for [`LayerNorm`]: one invocation per row, binary32 arithmetic computed with integers.
pub const LAYERNORM_WGSL: &str =
	concat!(include_str!("softfloat.wgsl"), include_str!("layernorm.wgsl"));
/// WGSL for [`Gather`]: one invocation per output element, a row of the table by token id.
pub const GATHER_WGSL: &str = include_str!("gather.wgsl");
/// WGSL for a [`MatMul`]: one invocation per output element, requantized.
pub const MATMUL_WGSL: &str = concat!(include_str!("requant.wgsl"), include_str!("matmul.wgsl"));
/// WGSL packing a tensor's values into their stored bytes for reading back.
pub const PACK_WGSL: &str = include_str!("pack.wgsl");
/// WGSL for a [`Binary`] op ([`Op::Add`], [`Op::Mul`]): a table lookup per element.
pub const BINARY_WGSL: &str = include_str!("binary.wgsl");
