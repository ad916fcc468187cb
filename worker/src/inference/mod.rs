//! The GPU path of verified inference: a checked [`Program`] run op by op with the WGSL
//! kernels of `aipin_kernels::inference`, every activation kept on the device as i32 values
//! and read back as bytes. The result must equal `aipin_kernels::inference::reference::run`
//! bit for bit (tests/inference_gpu.rs checks it on random programs and on the demo models).

use crate::gpu::{Gpu, GpuError};
use aipin_kernels::inference::{
	program::Program,
	reference::{self, RunError},
	AVGPOOL_WGSL, BINARY_WGSL, CONV_GEMM_WGSL, CONV_WGSL, GATHER_WGSL, IM2COL_WGSL, LAYERNORM_WGSL,
	MATMUL_WGSL, MAXPOOL_WGSL, PACK_WGSL, RELAYOUT_WGSL, SOFTMAX_WGSL, TABLE_WGSL,
};

mod record;
use record::Scratch;

/// Why a batch could not run.
#[derive(Debug, thiserror::Error)]
pub enum InferenceError {
	#[error(transparent)]
	Input(#[from] RunError),
	#[error(transparent)]
	Gpu(#[from] GpuError),
}

/// The compiled inference kernels, built once per GPU context.
pub struct Inference {
	conv: wgpu::ComputePipeline,
	im2col: wgpu::ComputePipeline,
	conv_gemm: wgpu::ComputePipeline,
	max_pool: wgpu::ComputePipeline,
	binary: wgpu::ComputePipeline,
	table: wgpu::ComputePipeline,
	relayout: wgpu::ComputePipeline,
	avg_pool: wgpu::ComputePipeline,
	softmax: wgpu::ComputePipeline,
	layer_norm: wgpu::ComputePipeline,
	gather: wgpu::ComputePipeline,
	mat_mul: wgpu::ComputePipeline,
	pack: wgpu::ComputePipeline,
}

fn words_u32(v: &[u32]) -> Vec<u8> {
	v.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn words_i32(v: impl IntoIterator<Item = i32>) -> Vec<u8> {
	v.into_iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// Tensors of at least this many values (for the whole batch) are packed to bytes on the device
/// before they are read back (measured on lavapipe: packing pays from tens of thousands of
/// values, and costs a few percent on models whose tensors are all smaller).
const PACK_FROM: u64 = 1 << 16;

impl Inference {
	/// Compiles the inference kernels.
	pub fn new(gpu: &Gpu) -> Result<Self, GpuError> {
		Ok(Self {
			conv: gpu.pipeline("inference conv", CONV_WGSL)?,
			im2col: gpu.pipeline("inference im2col", IM2COL_WGSL)?,
			conv_gemm: gpu.pipeline("inference conv gemm", CONV_GEMM_WGSL)?,
			max_pool: gpu.pipeline("inference maxpool", MAXPOOL_WGSL)?,
			binary: gpu.pipeline("inference binary", BINARY_WGSL)?,
			table: gpu.pipeline("inference table", TABLE_WGSL)?,
			relayout: gpu.pipeline("inference relayout", RELAYOUT_WGSL)?,
			avg_pool: gpu.pipeline("inference avgpool", AVGPOOL_WGSL)?,
			softmax: gpu.pipeline("inference softmax", SOFTMAX_WGSL)?,
			layer_norm: gpu.pipeline("inference layernorm", LAYERNORM_WGSL)?,
			gather: gpu.pipeline("inference gather", GATHER_WGSL)?,
			mat_mul: gpu.pipeline("inference matmul", MATMUL_WGSL)?,
			pack: gpu.pipeline("inference pack", PACK_WGSL)?,
		})
	}

	/// `(workgroups, invocations per row)` covering `total` invocations of 64-wide groups.
	fn grid(gpu: &Gpu, total: u64) -> ([u32; 3], u32) {
		let groups = total.div_ceil(64).max(1);
		let max = gpu.limits.max_compute_workgroups_per_dimension.clamp(1, 65_535) as u64;
		if groups <= max {
			([groups as u32, 1, 1], (groups * 64) as u32)
		} else {
			([max as u32, groups.div_ceil(max) as u32, 1], (max * 64) as u32)
		}
	}

	/// Runs `batch` samples; returns every tensor (input first, output last) as bytes,
	/// sample-major: what the per-layer commitments cover. Every op, and the packing of every
	/// tensor into its bytes, is recorded into one submission; the bytes come back in one more.
	pub fn run(
		&self,
		gpu: &Gpu,
		program: &Program,
		batch: usize,
		input: &[u8],
	) -> Result<Vec<Vec<u8>>, InferenceError> {
		reference::check_input(program, batch, input)?;
		let inp = program.input();
		let sizes: Vec<u64> =
			program.tensors.iter().map(|t| t.elements() * batch as u64 * 4).collect();
		for &s in &sizes {
			gpu.ensure_fits("an activation tensor", s)?;
		}
		let mut encoder = gpu.device.create_command_encoder(&Default::default());
		let mut scratch = Scratch::default();
		let mut bufs: Vec<wgpu::Buffer> = Vec::with_capacity(program.tensors.len());
		let x0 = gpu.output("inference input", sizes[0]);
		gpu.queue.write_buffer(&x0, 0, &words_i32(input.iter().map(|&b| inp.dtype.from_byte(b))));
		bufs.push(x0);
		for (i, op) in program.ops.iter().enumerate() {
			let y = gpu.output("inference activation", sizes[i + 1]);
			self.record(gpu, &mut encoder, &mut scratch, program, batch, &bufs, op, &y)?;
			bufs.push(y);
		}
		// Large tensors are packed to their stored bytes on the device (a quarter of the bytes
		// to move); small ones are read as they are, where one more dispatch costs more than it
		// saves. Either way every tensor comes back in one submission.
		let mut wanted: Vec<(wgpu::Buffer, u64, bool)> = Vec::with_capacity(bufs.len());
		for (t, buf) in program.tensors.iter().zip(&bufs) {
			let total = t.elements() * batch as u64;
			if total < PACK_FROM {
				wanted.push((buf.clone(), total * 4, false));
				continue;
			}
			let out = gpu.output("inference packed tensor", total);
			let (groups, row) = Self::grid(gpu, total.div_ceil(4));
			let dims = gpu.uniform("pack dims", &words_u32(&[total as u32, row, 0, 0]));
			let group = gpu.bind(&self.pack, &[&dims, buf, &out]);
			Gpu::record(&mut encoder, &self.pack, &[(&group, groups)]);
			scratch.keep.push(dims);
			wanted.push((out, total, true));
		}
		gpu.submit(encoder)?;
		drop(scratch);
		let read = gpu.read_all(&wanted.iter().map(|(b, n, _)| (b, *n)).collect::<Vec<_>>())?;
		Ok(program
			.tensors
			.iter()
			.zip(read)
			.zip(&wanted)
			.map(|((t, bytes), (_, _, packed))| {
				if *packed {
					return bytes;
				}
				bytes
					.chunks_exact(4)
					.map(|c| t.dtype.to_byte(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
					.collect()
			})
			.collect())
	}
}
