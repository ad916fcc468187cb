//! The compute kernels: shaders shipped in `worker/shaders/`, their on-chain identity (WGSL
//! hash) and the host side that lays out inputs, dispatches and reads results back.
//!
//! Input and output formats are the ones the runtime's kernel registry documents
//! (`aipin_runtime::kernels`): what a consumer uploads is exactly what [`Kernels::run`] takes,
//! and what it returns is exactly what the result root covers.

use crate::gpu::{Gpu, GpuError};

/// A kernel the worker can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
	/// `gemm-i8 [m, n, k]`.
	GemmI8,
	/// `mlp-q8 [batch, width, layers]`.
	MlpQ8,
	/// `hash-batch [count, len]`.
	HashBatch,
}

/// A shipped shader and its identity.
pub struct Shader {
	pub kind: Kind,
	/// Name in the registry.
	pub name: &'static str,
	/// The WGSL source.
	pub source: &'static str,
}

/// Every shader the worker ships.
pub const SHADERS: [Shader; 3] = [
	Shader { kind: Kind::GemmI8, name: "gemm-i8", source: include_str!("../shaders/gemm_i8.wgsl") },
	Shader { kind: Kind::MlpQ8, name: "mlp-q8", source: include_str!("../shaders/mlp_q8.wgsl") },
	Shader {
		kind: Kind::HashBatch,
		name: "hash-batch",
		source: include_str!("../shaders/hash_batch.wgsl"),
	},
];

impl Shader {
	/// `blake2_256` of the source: what the chain's kernel registry records.
	pub fn hash(&self) -> [u8; 32] {
		use blake2::{digest::consts::U32, Blake2b, Digest};
		Blake2b::<U32>::digest(self.source.as_bytes()).into()
	}
}

/// The shipped kernel whose source hashes to `wgsl_hash`, if any.
pub fn by_hash(wgsl_hash: &[u8; 32]) -> Option<Kind> {
	SHADERS.iter().find(|s| &s.hash() == wgsl_hash).map(|s| s.kind)
}

/// Why a task's input cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum KernelError {
	#[error("{kernel} takes {expected} parameters, got {got}")]
	Params { kernel: &'static str, expected: usize, got: usize },
	#[error("a parameter is zero or too large: {0:?}")]
	ParamRange(Vec<u32>),
	#[error("input is {got} bytes; the parameters need {expected}")]
	InputSize { expected: u64, got: u64 },
	#[error(transparent)]
	Gpu(#[from] GpuError),
}

/// Bytes of input each kernel needs, per the registry's formula.
pub fn input_bytes(kind: Kind, p: &[u32]) -> Option<u64> {
	let p: Vec<u64> = p.iter().map(|&x| x as u64).collect();
	match (kind, &p[..]) {
		(Kind::GemmI8, [m, n, k]) => Some(m * k + k * n),
		(Kind::MlpQ8, [b, w, l]) => Some(b * w + l * (w * w + 4 * w + 8)),
		(Kind::HashBatch, [c, len]) => Some(c * len),
		_ => None,
	}
}

/// Bytes of output each kernel produces.
pub fn output_bytes(kind: Kind, p: &[u32]) -> Option<u64> {
	let p: Vec<u64> = p.iter().map(|&x| x as u64).collect();
	match (kind, &p[..]) {
		(Kind::GemmI8, [m, n, _]) => Some(4 * m * n),
		(Kind::MlpQ8, [b, w, _]) => Some(b * w),
		(Kind::HashBatch, [c, _]) => Some(32 * c),
		_ => None,
	}
}

/// Operations a task performs (multiply-adds count two), for throughput figures.
pub fn ops(kind: Kind, p: &[u32]) -> u64 {
	let p: Vec<u64> = p.iter().map(|&x| x as u64).collect();
	match (kind, &p[..]) {
		(Kind::GemmI8, [m, n, k]) => 2 * m * n * k,
		(Kind::MlpQ8, [b, w, l]) => 2 * b * w * w * l,
		// One BLAKE2s compression is 10 rounds × 8 G × ~14 32-bit operations.
		(Kind::HashBatch, [c, len]) => c * (*len).div_ceil(64).max(1) * 1_120,
		_ => 0,
	}
}

fn check(kind: Kind, name: &'static str, p: &[u32], input: &[u8]) -> Result<(), KernelError> {
	let expected_params = 3 - usize::from(kind == Kind::HashBatch);
	if p.len() != expected_params {
		return Err(KernelError::Params { kernel: name, expected: expected_params, got: p.len() });
	}
	if p.contains(&0) {
		return Err(KernelError::ParamRange(p.to_vec()));
	}
	let expected = input_bytes(kind, p).ok_or(KernelError::ParamRange(p.to_vec()))?;
	if input.len() as u64 != expected {
		return Err(KernelError::InputSize { expected, got: input.len() as u64 });
	}
	Ok(())
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
}

impl Kernels {
	/// Compiles every shipped shader.
	pub fn new(gpu: &Gpu) -> Result<Self, GpuError> {
		Ok(Self {
			gemm: gpu.pipeline("gemm-i8", SHADERS[0].source)?,
			mlp: gpu.pipeline("mlp-q8", SHADERS[1].source)?,
			hash: gpu.pipeline("hash-batch", SHADERS[2].source)?,
		})
	}

	/// Runs `kind` on `input` (registry format), returning the output (registry format).
	pub fn run(
		&self,
		gpu: &Gpu,
		kind: Kind,
		p: &[u32],
		input: &[u8],
	) -> Result<Vec<u8>, KernelError> {
		match kind {
			Kind::GemmI8 => {
				check(kind, "gemm-i8", p, input)?;
				let (m, n, k) = (p[0] as usize, p[1] as usize, p[2] as usize);
				let (a, b) = input.split_at(m * k);
				let out =
					self.gemm(gpu, m, n, k, bytemuck::cast_slice(a), bytemuck::cast_slice(b))?;
				Ok(out.iter().flat_map(|v| v.to_le_bytes()).collect())
			},
			Kind::MlpQ8 => {
				check(kind, "mlp-q8", p, input)?;
				Ok(self.mlp(gpu, p[0] as usize, p[1] as usize, p[2] as usize, input)?)
			},
			Kind::HashBatch => {
				check(kind, "hash-batch", p, input)?;
				Ok(self.hash_batch(gpu, p[0] as usize, p[1] as usize, input)?)
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

	/// The MLP stack on `input` (registry layout); returns batch × width int8 (as bytes).
	pub fn mlp(
		&self,
		gpu: &Gpu,
		batch: usize,
		width: usize,
		layers: usize,
		input: &[u8],
	) -> Result<Vec<u8>, GpuError> {
		let (x0, mut rest) = input.split_at(batch * width);
		let (px, w16) = pack_rows(batch, width, |r, c| x0[r * width + c]);
		let mut weights: Vec<u8> = Vec::new();
		let mut biases: Vec<i32> = Vec::new();
		let mut layer_params = Vec::new();
		for _ in 0..layers {
			let (w, r) = rest.split_at(width * width);
			let (b, r) = r.split_at(4 * width);
			let (mult, r) = r.split_at(4);
			let (shift, r) = r.split_at(4);
			rest = r;
			let w_off = (weights.len() / 16) as u32;
			let b_off = biases.len() as u32;
			let (pw, _) = pack_rows(width, width, |j, i| w[j * width + i]);
			weights.extend_from_slice(&pw);
			biases.extend(b.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])));
			let mult = u32::from_le_bytes([mult[0], mult[1], mult[2], mult[3]]);
			let shift = u32::from_le_bytes([shift[0], shift[1], shift[2], shift[3]]);
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
