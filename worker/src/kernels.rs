//! The host side of the kernels of `aipin-kernels`: each kernel's WGSL compiled once per GPU
//! context, its input laid out as the shader's header describes, dispatched, and its output
//! read back in the registry's format.
//!
//! What a consumer uploads is exactly what [`Kernels::run`] takes, and what it returns is
//! exactly what the result root covers; the formats are documented in each kernel's module of
//! `aipin-kernels`.

use crate::{
	gpu::{Gpu, GpuError},
	inference::Inference,
};
use aipin_kernels::{gemm_i8, hash_batch, mlp_q8, InputError, Kernel};

/// Why a task cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum KernelError {
	#[error(transparent)]
	Input(#[from] InputError),
	#[error(transparent)]
	Model(#[from] aipin_kernels::inference::reference::RunError),
	#[error(transparent)]
	Gpu(#[from] GpuError),
}

/// Rows of `cols` int8 values packed into vec4<u32> words: each row zero-padded to a multiple
/// of 16 bytes. `at(r, c)` gives the value at row `r`, column `c`.
fn pack_rows(rows: usize, cols: usize, at: impl Fn(usize, usize) -> u8) -> (Vec<u8>, u32) {
	let stride = cols.div_ceil(16) * 16;
	let mut out = vec![0u8; rows * stride];
	for r in 0..rows {
		let row = &mut out[r * stride..r * stride + cols];
		for (c, v) in row.iter_mut().enumerate() {
			*v = at(r, c);
		}
	}
	(out, (stride / 16) as u32)
}

fn words(v: &[u32]) -> Vec<u8> {
	bytemuck::cast_slice(v).to_vec()
}

/// The compiled kernels, built once per GPU context.
pub struct Kernels {
	gemm: wgpu::ComputePipeline,
	mlp: wgpu::ComputePipeline,
	hash: wgpu::ComputePipeline,
	/// The inference engine, which runs every registered model.
	pub inference: Inference,
}

impl Kernels {
	/// Compiles every built-in kernel and the inference engine.
	pub fn new(gpu: &Gpu) -> Result<Self, GpuError> {
		Ok(Self {
			gemm: gpu.pipeline(gemm_i8::NAME, gemm_i8::WGSL)?,
			mlp: gpu.pipeline(mlp_q8::NAME, mlp_q8::WGSL)?,
			hash: gpu.pipeline(hash_batch::NAME, hash_batch::WGSL)?,
			inference: Inference::new(gpu)?,
		})
	}

	/// Runs `kind` on `input` (registry format), returning the output (registry format). The
	/// parameters and input size are checked with the kernel's registry formulas first.
	pub fn run(
		&self,
		gpu: &Gpu,
		kind: Kernel,
		p: &[u32],
		input: &[u8],
	) -> Result<Vec<u8>, KernelError> {
		kind.check(p, input.len() as u64)?;
		match kind {
			Kernel::GemmI8 => {
				let (m, n, k) = gemm_i8::dims(p);
				let (a, b) = gemm_i8::operands(p, input);
				let out = self.gemm(gpu, m, n, k, &a, &b)?;
				Ok(out.iter().flat_map(|v| v.to_le_bytes()).collect())
			},
			Kernel::MlpQ8 => Ok(self.mlp(gpu, p, input)?),
			Kernel::HashBatch => {
				let (count, len) = hash_batch::dims(p);
				Ok(self.hash_batch(gpu, count, len, input)?)
			},
		}
	}

	/// C (m × n) = A (m × k) · B (k × n), int8 in, i32 out, row-major.
	pub fn gemm(
		&self,
		gpu: &Gpu,
		m: usize,
		n: usize,
		k: usize,
		a: &[i8],
		b: &[i8],
	) -> Result<Vec<i32>, GpuError> {
		let (pa, k16) = pack_rows(m, k, |r, c| a[r * k + c] as u8);
		// Bᵀ: row j holds column j of B.
		let (pb, _) = pack_rows(n, k, |j, c| b[c * n + j] as u8);
		gpu.ensure_fits("gemm A", pa.len() as u64)?;
		gpu.ensure_fits("gemm B", pb.len() as u64)?;
		gpu.ensure_fits("gemm C", (m * n * 4) as u64)?;
		let dims = gpu.uniform("gemm dims", &words(&[m as u32, n as u32, k16, 0]));
		let a = gpu.input("gemm A", &pa);
		let bt = gpu.input("gemm Bt", &pb);
		let c = gpu.output("gemm C", (m * n * 4) as u64);
		let group = gpu.bind(&self.gemm, &[&dims, &a, &bt, &c]);
		let groups = [(n as u32).div_ceil(32), (m as u32).div_ceil(32), 1];
		gpu.run(&self.gemm, &[(&group, groups)])?;
		let bytes = gpu.read(&c, (m * n * 4) as u64)?;
		Ok(bytemuck::cast_slice::<u8, i32>(&bytes).to_vec())
	}

	/// The MLP stack on checked registry-layout `input`; returns batch × width int8.
	pub fn mlp(&self, gpu: &Gpu, p: &[u32], input: &[u8]) -> Result<Vec<u8>, GpuError> {
		let (batch, width, layers) = mlp_q8::dims(p);
		let (x0, stack) = mlp_q8::layout(p, input);
		let (px, w16) = pack_rows(batch, width, |r, c| x0[r * width + c]);
		let mut weights: Vec<u8> = Vec::new();
		let mut biases: Vec<i32> = Vec::new();
		let mut layer_params = Vec::new();
		for layer in &stack {
			let w_off = (weights.len() / 16) as u32;
			let b_off = biases.len() as u32;
			let (pw, _) = pack_rows(width, width, |j, i| layer.weights[j * width + i]);
			weights.extend_from_slice(&pw);
			biases.extend((0..width).map(|j| layer.bias(j)));
			let (mult, shift) = (layer.mult, layer.shift);
			layer_params.push([batch as u32, width as u32, w16, shift, mult, w_off, b_off, 0]);
		}
		let act_bytes = (batch * w16 as usize * 16) as u64;
		gpu.ensure_fits("mlp weights", weights.len() as u64)?;
		gpu.ensure_fits("mlp activations", act_bytes)?;
		let weights = gpu.input("mlp W", &weights);
		let biases = gpu.input("mlp bias", bytemuck::cast_slice(&biases));
		// Ping-pong between two activation buffers, one dispatch per layer.
		let x0 = gpu.output("mlp x0", act_bytes);
		gpu.queue.write_buffer(&x0, 0, &px);
		let acts = [x0, gpu.output("mlp x1", act_bytes)];
		let uniforms: Vec<wgpu::Buffer> =
			layer_params.iter().map(|l| gpu.uniform("mlp layer", &words(l))).collect();
		let groups: Vec<wgpu::BindGroup> = (0..layers)
			.map(|l| {
				let (src, dst) = (&acts[l % 2], &acts[(l + 1) % 2]);
				gpu.bind(&self.mlp, &[&uniforms[l], src, &weights, &biases, dst])
			})
			.collect();
		let wg = [(w16 * 4).div_ceil(8), (batch as u32).div_ceil(4).div_ceil(8), 1];
		let dispatches: Vec<(&wgpu::BindGroup, [u32; 3])> =
			groups.iter().map(|g| (g, wg)).collect();
		gpu.run(&self.mlp, &dispatches)?;
		let packed = gpu.read(&acts[layers % 2], act_bytes)?;
		let stride = w16 as usize * 16;
		Ok((0..batch).flat_map(|r| packed[r * stride..r * stride + width].to_vec()).collect())
	}

	/// BLAKE2s-256 of `count` messages of `len` bytes; returns the digests back to back.
	pub fn hash_batch(
		&self,
		gpu: &Gpu,
		count: usize,
		len: usize,
		input: &[u8],
	) -> Result<Vec<u8>, GpuError> {
		// One zero word past the end, for unaligned reads of the last message.
		let mut data = input.to_vec();
		data.resize(input.len().div_ceil(4) * 4 + 4, 0);
		gpu.ensure_fits("hash input", data.len() as u64)?;
		let input = gpu.input("hash input", &data);
		let out = gpu.output("digests", (count * 32) as u64);
		let max_groups = gpu.limits.max_compute_workgroups_per_dimension.max(1) as usize;
		let per_dispatch = max_groups * 64;
		let mut uniforms = Vec::new();
		let mut first = 0usize;
		while first < count {
			let n = per_dispatch.min(count - first);
			uniforms.push((
				gpu.uniform("hash params", &words(&[count as u32, len as u32, first as u32, 0])),
				n,
			));
			first += n;
		}
		let groups: Vec<(wgpu::BindGroup, u32)> = uniforms
			.iter()
			.map(|(u, n)| (gpu.bind(&self.hash, &[u, &input, &out]), (*n as u32).div_ceil(64)))
			.collect();
		let dispatches: Vec<(&wgpu::BindGroup, [u32; 3])> =
			groups.iter().map(|(g, n)| (g, [*n, 1, 1])).collect();
		gpu.run(&self.hash, &dispatches)?;
		gpu.read(&out, (count * 32) as u64)
	}
}
