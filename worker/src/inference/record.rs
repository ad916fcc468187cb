//! How each op of a [`Program`] is recorded into a batch's command encoder: the uniform of
//! its dimensions, the buffers it binds and its grid. [`Inference::run`] calls
//! [`Inference::record`] once per op, in program order.

use super::{words_i32, words_u32, Inference};
use crate::gpu::{Gpu, GpuError};
use aipin_kernels::inference::{
	gemm,
	program::{Conv, Op, Program, Tensor},
	reference,
};

/// One convolution to record: the op, its input and output tensors, the batch and the
/// activation buffers it reads and writes.
struct ConvCall<'a> {
	c: &'a Conv,
	tx: &'a Tensor,
	ty: &'a Tensor,
	batch: usize,
	x: &'a wgpu::Buffer,
	y: &'a wgpu::Buffer,
}

/// One pass of the table kernel: `runs` runs of `pitch` values of `x`, each value through
/// `table`, run `o` landing at `y[o · out_pitch + offset ..]`. A [`Op::Lookup`] is one run over
/// the whole tensor; a [`Op::Concat`] is one pass per input.
struct TablePass<'a> {
	x: &'a wgpu::Buffer,
	table: &'a [u8],
	runs: u64,
	pitch: u64,
	out_pitch: u64,
	offset: u64,
}

/// Buffers a recorded pass reads: kept alive, and the im2col scratch reused, until the one
/// submission of a batch.
#[derive(Default)]
pub(super) struct Scratch {
	pub(super) keep: Vec<wgpu::Buffer>,
	im2col: Option<wgpu::Buffer>,
}

impl Scratch {
	/// Records one dispatch of `pipeline` over `groups`, bound in this order (every kernel's
	/// layout): a uniform of `dims`, the activations it `reads`, a storage buffer of `words`
	/// (a table or a map) if any, and the output `y`. What it makes lives until the submission.
	#[allow(clippy::too_many_arguments)]
	fn dispatch(
		&mut self,
		gpu: &Gpu,
		encoder: &mut wgpu::CommandEncoder,
		(pipeline, label): (&wgpu::ComputePipeline, &str),
		dims: &[u32],
		reads: &[&wgpu::Buffer],
		words: Option<&[u32]>,
		y: &wgpu::Buffer,
		groups: [u32; 3],
	) {
		let dims = gpu.uniform(label, &words_u32(dims));
		let words = words.map(|w| gpu.input(label, &words_u32(w)));
		let mut bound = vec![&dims];
		bound.extend(reads);
		bound.extend(&words);
		bound.push(y);
		let group = gpu.bind(pipeline, &bound);
		Gpu::record(encoder, pipeline, &[(&group, groups)]);
		self.keep.push(dims);
		self.keep.extend(words);
	}

	/// A buffer of at least `bytes` for an im2col matrix. Passes run in order, so every
	/// convolution can use the same one.
	fn im2col(&mut self, gpu: &Gpu, bytes: u64) -> wgpu::Buffer {
		match &self.im2col {
			Some(b) if b.size() >= bytes => b.clone(),
			_ => {
				let b = gpu.output("inference im2col", bytes);
				if let Some(old) = self.im2col.replace(b.clone()) {
					self.keep.push(old);
				}
				b
			},
		}
	}
}

impl Inference {
	/// Records `op` for `batch` samples: it reads the activation buffers `bufs` (one per tensor
	/// before its output, input first) and writes `y`, the buffer of tensor `bufs.len()`.
	#[allow(clippy::too_many_arguments)]
	pub(super) fn record(
		&self,
		gpu: &Gpu,
		encoder: &mut wgpu::CommandEncoder,
		scratch: &mut Scratch,
		program: &Program,
		batch: usize,
		bufs: &[wgpu::Buffer],
		op: &Op,
		y: &wgpu::Buffer,
	) -> Result<(), GpuError> {
		let ty = &program.tensors[bufs.len()];
		// One invocation per output element, whatever the op.
		let (groups, row) = Self::grid(gpu, ty.elements() * batch as u64);
		match op {
			Op::Conv(c) => {
				let call = ConvCall {
					c,
					tx: &program.tensors[c.x as usize],
					ty,
					batch,
					x: &bufs[c.x as usize],
					y,
				};
				if !self.conv_as_gemm(gpu, encoder, scratch, &call)? {
					self.conv_direct(gpu, encoder, scratch, &call)?;
				}
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
				let group = gpu.bind(&self.max_pool, &[&dims, &bufs[p.x as usize], y]);
				Gpu::record(encoder, &self.max_pool, &[(&group, groups)]);
				scratch.keep.push(dims);
			},
			Op::Add(a) | Op::Mul(a) => {
				let total = (ty.elements() * batch as u64) as u32;
				let dims = gpu.input("binary dims", &words_u32(&[total, row, 0, 0]));
				let table = gpu.input(
					"binary table",
					&words_i32(a.table.iter().map(|&b| ty.dtype.from_byte(b))),
				);
				let group = gpu.bind(
					&self.binary,
					&[&dims, &bufs[a.a as usize], &bufs[a.b as usize], &table, y],
				);
				Gpu::record(encoder, &self.binary, &[(&group, groups)]);
				scratch.keep.extend([dims, table]);
			},
			Op::Lookup(l) => {
				let total = ty.elements() * batch as u64;
				let pass = TablePass {
					x: &bufs[l.x as usize],
					table: &l.table,
					runs: 1,
					pitch: total,
					out_pitch: total,
					offset: 0,
				};
				self.table_pass(gpu, encoder, scratch, ty, pass, y);
			},
			Op::Concat(c) => {
				let (outer, _, pitches) = c.layout(&program.tensors);
				let out_pitch: u64 = pitches.iter().map(|&p| p as u64).sum();
				let mut offset = 0u64;
				for ((&x, table), &pitch) in c.inputs.iter().zip(&c.tables).zip(&pitches) {
					let pass = TablePass {
						x: &bufs[x as usize],
						table,
						runs: batch as u64 * outer as u64,
						pitch: pitch as u64,
						out_pitch,
						offset,
					};
					self.table_pass(gpu, encoder, scratch, ty, pass, y);
					offset += pitch as u64;
				}
			},
			Op::AvgPool(p) => {
				let tx = &program.tensors[p.x as usize];
				let ([ch, h, w], [_, oh, ow]) =
					(tx.chw().expect("checked"), ty.chw().expect("checked"));
				let win = &p.window;
				let (lo, hi) = ty.dtype.range();
				let dims = [
					batch as u32 * ch,
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
					p.count_pad as u32,
					ty.scale,
					ty.zero_point as u32,
					lo as u32,
					hi as u32,
					row,
					0,
					0,
					0,
				];
				scratch.dispatch(
					gpu,
					encoder,
					(&self.avg_pool, "avgpool"),
					&dims,
					&[&bufs[p.x as usize]],
					Some(&p.dequant),
					y,
					groups,
				);
			},
			Op::Softmax(s) => {
				let (outer, length, inner) = s.rows(&program.tensors);
				let rows = (batch * outer * inner) as u64;
				let (groups, row) = Self::grid(gpu, rows);
				let (lo, hi) = ty.dtype.range();
				let dims = [
					rows as u32,
					length as u32,
					inner as u32,
					s.scale,
					ty.zero_point as u32,
					lo as u32,
					hi as u32,
					row,
				];
				scratch.dispatch(
					gpu,
					encoder,
					(&self.softmax, "softmax"),
					&dims,
					&[&bufs[s.x as usize]],
					Some(&s.exp),
					y,
					groups,
				);
			},
			Op::Gather(g) => {
				let total = ty.elements() * batch as u64;
				let (groups, row) = Self::grid(gpu, total);
				let width = *ty.shape.last().expect("checked: the row width");
				let dims = [total as u32, width, g.rows as u32, ty.zero_point as u32, row, 0, 0, 0];
				// The table's values, as i32 words.
				let table: Vec<u32> =
					g.table.iter().map(|&b| ty.dtype.from_byte(b) as u32).collect();
				scratch.dispatch(
					gpu,
					encoder,
					(&self.gather, "gather"),
					&dims,
					&[&bufs[g.x as usize]],
					Some(&table),
					y,
					groups,
				);
			},
			Op::LayerNorm(l) => {
				let length = l.row(&program.tensors);
				let rows = ty.elements() * batch as u64 / length as u64;
				let (groups, row) = Self::grid(gpu, rows);
				let (lo, hi) = ty.dtype.range();
				let zx = program.tensors[l.x as usize].zero_point;
				let dims = [
					rows as u32,
					length as u32,
					l.epsilon,
					zx as u32,
					ty.zero_point as u32,
					lo as u32,
					hi as u32,
					row,
				];
				let params: Vec<u32> = l.gain.iter().chain(&l.offset).copied().collect();
				scratch.dispatch(
					gpu,
					encoder,
					(&self.layer_norm, "layernorm"),
					&dims,
					&[&bufs[l.x as usize]],
					Some(&params),
					y,
					groups,
				);
			},
			Op::MatMul(m) => {
				let (_, rows, depth, cols) = m.dims(&program.tensors);
				let [za, zb] = [m.a, m.b].map(|t| program.tensors[t as usize].zero_point);
				let dims = [
					(ty.elements() * batch as u64) as u32,
					rows as u32,
					depth as u32,
					cols as u32,
					za as u32,
					zb as u32,
					ty.zero_point as u32,
					m.clamp[0] as u32,
					m.clamp[1] as u32,
					m.multiplier,
					row,
					0,
				];
				scratch.dispatch(
					gpu,
					encoder,
					(&self.mat_mul, "matmul"),
					&dims,
					&[&bufs[m.a as usize], &bufs[m.b as usize]],
					None,
					y,
					groups,
				);
			},
			Op::Transpose { x, .. } | Op::Expand { x, .. } => {
				let layout = reference::index_map(program, op).expect("a Transpose or an Expand");
				let total = (ty.elements() * batch as u64) as u32;
				let per_sample = ty.elements() as u32;
				let in_per_sample = program.tensors[*x as usize].elements() as u32;
				let dims = [total, per_sample, row, in_per_sample];
				let layout: Vec<u32> = layout.iter().map(|&i| i as u32).collect();
				scratch.dispatch(
					gpu,
					encoder,
					(&self.relayout, "relayout"),
					&dims,
					&[&bufs[*x as usize]],
					Some(&layout),
					y,
					groups,
				);
			},
			Op::Reshape { x, .. } => {
				encoder.copy_buffer_to_buffer(&bufs[*x as usize], 0, y, 0, y.size());
			},
		}
		Ok(())
	}

	/// Records one [`TablePass`] into `y` (of tensor `ty`).
	fn table_pass(
		&self,
		gpu: &Gpu,
		encoder: &mut wgpu::CommandEncoder,
		scratch: &mut Scratch,
		ty: &Tensor,
		pass: TablePass<'_>,
		y: &wgpu::Buffer,
	) {
		let total = pass.runs * pass.pitch;
		let (groups, row) = Self::grid(gpu, total);
		let dims = [
			total as u32,
			pass.pitch as u32,
			pass.out_pitch as u32,
			pass.offset as u32,
			row,
			0,
			0,
			0,
		];
		let dims = gpu.uniform("table dims", &words_u32(&dims));
		let table =
			gpu.input("table", &words_i32(pass.table.iter().map(|&b| ty.dtype.from_byte(b))));
		let group = gpu.bind(&self.table, &[&dims, pass.x, &table, y]);
		Gpu::record(encoder, &self.table, &[(&group, groups)]);
		scratch.keep.extend([dims, table]);
	}

	/// Records `c` as im2col + int8 GEMM (see `aipin_kernels::inference::gemm`). `false`, with
	/// nothing recorded, when it does not apply: a grouped convolution, or an im2col matrix,
	/// weight rows, tap table or grid larger than the device allows (the direct kernel then
	/// runs it, or says what does not fit).
	fn conv_as_gemm(
		&self,
		gpu: &Gpu,
		encoder: &mut wgpu::CommandEncoder,
		scratch: &mut Scratch,
		&ConvCall { c, tx, ty, batch, x, y }: &ConvCall,
	) -> Result<bool, GpuError> {
		let Some(l) = gemm::lower(c, tx) else { return Ok(false) };
		let ([ci, h, w], [co, oh, ow]) = (tx.chw().expect("checked"), ty.chw().expect("checked"));
		let rows = batch as u64 * oh as u64 * ow as u64;
		let a_bytes = rows * l.k16 as u64 * 16;
		// 4 rows × 4 channels per invocation.
		let blocks = (co as u64).div_ceil(4);
		let invocations = rows.div_ceil(4) * blocks;
		let too_many = |n: u64| n > u32::MAX as u64;
		let too_big = |bytes: u64| bytes > gpu.max_binding();
		if too_big(a_bytes)
			|| too_big(l.weight_rows.len() as u64)
			|| too_big(l.tap.len() as u64 * 16)
			|| too_many(rows * l.k16 as u64)
			|| too_many(invocations)
		{
			return Ok(false);
		}
		let win = &c.window;
		let (im_groups, im_row) = Self::grid(gpu, rows * l.k16 as u64);
		let im_dims = [
			rows as u32,
			l.k16,
			l.tap.len() as u32,
			ci * h * w,
			h,
			w,
			oh,
			ow,
			win.stride[0],
			win.stride[1],
			win.pads[0],
			win.pads[1],
			l.offset as u32,
			l.pad as u32,
			im_row,
			0,
		];
		let a = scratch.im2col(gpu, a_bytes);
		let im_dims = gpu.uniform("im2col dims", &words_u32(&im_dims));
		let tap = gpu.input("im2col taps", &words_i32(l.tap.iter().flatten().copied()));
		let group = gpu.bind(&self.im2col, &[&im_dims, x, &tap, &a]);
		Gpu::record(encoder, &self.im2col, &[(&group, im_groups)]);
		let (groups, row) = Self::grid(gpu, invocations);
		let dims = [
			rows as u32,
			co,
			l.k16,
			oh * ow,
			ty.zero_point as u32,
			c.clamp[0] as u32,
			c.clamp[1] as u32,
			c.multiplier.len() as u32,
			blocks as u32,
			row,
			0,
			0,
		];
		let dims = gpu.uniform("conv gemm dims", &words_u32(&dims));
		let weight = gpu.input("conv gemm weight", &l.weight_rows);
		let bias = gpu.input("conv gemm bias", &words_i32(l.bias.iter().copied()));
		let mult = gpu.input("conv multiplier", &words_u32(&c.multiplier));
		let group = gpu.bind(&self.conv_gemm, &[&dims, &a, &weight, &bias, &mult, y]);
		Gpu::record(encoder, &self.conv_gemm, &[(&group, groups)]);
		scratch.keep.extend([im_dims, tap, dims, weight, bias, mult]);
		Ok(true)
	}

	/// Records `c` with the direct kernel: one invocation per output element, looping over
	/// its taps. Any convolution, grouped ones included.
	fn conv_direct(
		&self,
		gpu: &Gpu,
		encoder: &mut wgpu::CommandEncoder,
		scratch: &mut Scratch,
		&ConvCall { c, tx, ty, batch, x, y }: &ConvCall,
	) -> Result<(), GpuError> {
		let ([ci, h, w], [co, oh, ow]) = (tx.chw().expect("checked"), ty.chw().expect("checked"));
		let (groups, row) = Self::grid(gpu, ty.elements() * batch as u64);
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
		let weight =
			gpu.input("conv weight", &words_i32((0..c.weight.len()).map(|i| c.weight_at(i))));
		let bias = gpu.input("conv bias", &words_i32(c.bias.iter().copied()));
		let mult = gpu.input("conv multiplier", &words_u32(&c.multiplier));
		let group = gpu.bind(&self.conv, &[&dims, x, &weight, &bias, &mult, y]);
		Gpu::record(encoder, &self.conv, &[(&group, groups)]);
		scratch.keep.extend([dims, weight, bias, mult]);
		Ok(())
	}
}
