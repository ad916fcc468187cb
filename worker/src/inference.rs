//! The GPU path of verified inference: a checked [`Program`] run op by op with the WGSL
//! kernels of `aipin_kernels::inference`, every activation kept on the device as i32 values
//! and read back as bytes. The result must equal `aipin_kernels::inference::reference::run`
//! bit for bit (tests/inference_gpu.rs checks it on random programs and on the demo models).

use crate::gpu::{Gpu, GpuError};
use aipin_kernels::inference::{
	program::{Op, Program},
	reference::{self, RunError},
	ADD_WGSL, CONV_WGSL, MAXPOOL_WGSL,
};

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
	max_pool: wgpu::ComputePipeline,
	add: wgpu::ComputePipeline,
}

fn words_u32(v: &[u32]) -> Vec<u8> {
	v.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn words_i32(v: impl IntoIterator<Item = i32>) -> Vec<u8> {
	v.into_iter().flat_map(|w| w.to_le_bytes()).collect()
}

impl Inference {
	/// Compiles the inference kernels.
	pub fn new(gpu: &Gpu) -> Result<Self, GpuError> {
		Ok(Self {
			conv: gpu.pipeline("inference conv", CONV_WGSL)?,
			max_pool: gpu.pipeline("inference maxpool", MAXPOOL_WGSL)?,
			add: gpu.pipeline("inference add", ADD_WGSL)?,
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
	/// sample-major: what the per-layer commitments cover.
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
		let mut bufs: Vec<wgpu::Buffer> = Vec::with_capacity(program.tensors.len());
		let x0 = gpu.output("inference input", sizes[0]);
		gpu.queue.write_buffer(&x0, 0, &words_i32(input.iter().map(|&b| inp.dtype.from_byte(b))));
		bufs.push(x0);
		for (i, op) in program.ops.iter().enumerate() {
			let y = gpu.output("inference activation", sizes[i + 1]);
			let ty = &program.tensors[i + 1];
			// One invocation per output element, whatever the op.
			let (groups, row) = Self::grid(gpu, ty.elements() * batch as u64);
			match op {
				Op::Conv(c) => {
					let tx = &program.tensors[c.x as usize];
					let ([ci, h, w], [co, oh, ow]) =
						(tx.chw().expect("checked"), ty.chw().expect("checked"));
					let win = &c.window;
					let dims = [
						batch as u32,
						ci,
						h,
						w,
						co,
						oh,
						ow,
						c.group,
						win.kernel[0],
						win.kernel[1],
						win.stride[0],
						win.stride[1],
						win.dilation[0],
						win.dilation[1],
						win.pads[0],
						win.pads[1],
						tx.zero_point as u32,
						ty.zero_point as u32,
						c.clamp[0] as u32,
						c.clamp[1] as u32,
						c.multiplier.len() as u32,
						row,
						0,
						0,
					];
					gpu.ensure_fits("conv weights", c.weight.len() as u64 * 4)?;
					let dims = gpu.input("conv dims", &words_u32(&dims));
					// The effective weights, zero point subtracted: the shader multiplies them.
					let weight = gpu.input(
						"conv weight",
						&words_i32((0..c.weight.len()).map(|i| c.weight_at(i))),
					);
					let bias = gpu.input("conv bias", &words_i32(c.bias.iter().copied()));
					let mult = gpu.input("conv multiplier", &words_u32(&c.multiplier));
					let group = gpu
						.bind(&self.conv, &[&dims, &bufs[c.x as usize], &weight, &bias, &mult, &y]);
					gpu.run(&self.conv, &[(&group, groups)])?;
				},
				Op::MaxPool(p) => {
					let tx = &program.tensors[p.x as usize];
					let ([ch, h, w], [_, oh, ow]) =
						(tx.chw().expect("checked"), ty.chw().expect("checked"));
					let win = &p.window;
					let dims = [
						batch as u32,
						ch,
						h,
						w,
						oh,
						ow,
						win.kernel[0],
						win.kernel[1],
						win.stride[0],
						win.stride[1],
						win.pads[0],
						win.pads[1],
						row,
						0,
						0,
						0,
					];
					let dims = gpu.input("maxpool dims", &words_u32(&dims));
					let group = gpu.bind(&self.max_pool, &[&dims, &bufs[p.x as usize], &y]);
					gpu.run(&self.max_pool, &[(&group, groups)])?;
				},
				Op::Add(a) => {
					let total = (ty.elements() * batch as u64) as u32;
					let dims = gpu.input("add dims", &words_u32(&[total, row, 0, 0]));
					let table = gpu.input(
						"add table",
						&words_i32(a.table.iter().map(|&b| ty.dtype.from_byte(b))),
					);
					let group = gpu.bind(
						&self.add,
						&[&dims, &bufs[a.a as usize], &bufs[a.b as usize], &table, &y],
					);
					gpu.run(&self.add, &[(&group, groups)])?;
				},
				Op::Reshape { x, .. } => {
					let mut encoder = gpu.device.create_command_encoder(&Default::default());
					encoder.copy_buffer_to_buffer(
						&bufs[*x as usize],
						0,
						&y,
						0,
						sizes[i + 1].max(4),
					);
					gpu.queue.submit([encoder.finish()]);
				},
			}
			bufs.push(y);
		}
		let mut out = Vec::with_capacity(bufs.len());
		for (t, buf) in program.tensors.iter().zip(&bufs) {
			let bytes = gpu.read(buf, t.elements() * batch as u64 * 4)?;
			out.push(
				bytes
					.chunks_exact(4)
					.map(|c| t.dtype.to_byte(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
					.collect(),
			);
		}
		Ok(out)
	}
}
