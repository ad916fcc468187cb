//! Inference as a task: the kernel-registry entry a registered model gets, and the result its
//! providers commit to.
//!
//! - Parameters: `[batch]`, at most [`max_batch`] for the program.
//! - Input: `batch` samples of the input tensor, one byte each, sample-major (`batch · I`
//!   bytes, `I` the input tensor's elements).
//! - Output (what the result root covers): the output tensor for the whole batch, one byte
//!   per element, sample-major (`batch · O` bytes), followed by one 32-byte
//!   [`result root`](aipin_primitives::result::root) per op: the root of the tensor that op
//!   defines, for the whole batch. The per-layer roots are what lets a dispute narrow a
//!   disagreement down to the first layer where two providers differ.
//! - Work units: `batch · ops / 10⁶`, rounded up: mega-operations, a multiply-add counting
//!   two, as for `gemm-i8` ([`ops_per_sample`]).

use super::program::{Op, Program, MAX_ELEMENTS, MAX_TENSORS, VERSION};
use aipin_primitives::{Formula, KernelSpec, ModelId, ProgramSummary, Term};
use alloc::{format, vec, vec::Vec};
use frame_support::BoundedVec;

/// Largest storage buffer every WebGPU device must bind (`maxStorageBufferBindingSize`'s
/// guaranteed minimum): each activation tensor of a batch, as i32 values, must fit in one.
pub const MAX_BINDING_BYTES: u64 = 128 << 20;

/// Bytes of one per-layer root in a result.
pub const LAYER_ROOT_BYTES: u64 = 32;

/// The largest batch of a program whose every activation fits [`MAX_BINDING_BYTES`], capped
/// at `cap` (at least 1: a valid summary's tensors are within the element bound).
pub fn max_batch(summary: &ProgramSummary, cap: u32) -> u32 {
	let fits = MAX_BINDING_BYTES / (summary.widest_elements.max(1) * 4);
	fits.clamp(1, cap.max(1) as u64) as u32
}

/// The figures of a checked program that its registry entry is computed from.
pub fn summary(program: &Program) -> ProgramSummary {
	let sizes = program.tensors.iter().map(|t| t.elements());
	ProgramSummary {
		input_elements: program.input().elements(),
		output_elements: program.output().elements(),
		ops: program.ops.len() as u16,
		widest_elements: sizes.clone().max().unwrap_or(1),
		tensor_elements: sizes.fold(0u64, |a, b| a.saturating_add(b)),
		weight_bytes: program.weight_bytes(),
		macs: program.macs_per_sample(),
		ops_charged: ops_per_sample(program),
	}
}

/// Why `s` cannot be the summary of any checked program of `bytes` bytes, if it cannot: a
/// declared summary (of a program stored off chain) must at least give a registry entry within
/// the bounds every program's does. That it is the summary of *its* program is each provider's
/// check.
pub fn summary_error(s: &ProgramSummary, bytes: u64) -> Option<&'static str> {
	let tensors = s.ops as u64 + 1;
	let per_tensor = 1..=MAX_ELEMENTS;
	if s.ops == 0 || tensors > MAX_TENSORS as u64 {
		return Some("needs 1 to 255 ops");
	}
	if !per_tensor.contains(&s.input_elements) || !per_tensor.contains(&s.output_elements) {
		return Some("input and output need 1 to 2^22 elements");
	}
	if !per_tensor.contains(&s.widest_elements)
		|| s.widest_elements < s.input_elements.max(s.output_elements)
	{
		return Some("the widest tensor is narrower than the input or the output, or too wide");
	}
	if s.tensor_elements < s.widest_elements.saturating_add(tensors - 1)
		|| s.tensor_elements > s.widest_elements.saturating_mul(tensors)
	{
		return Some("the elements of all tensors do not fit their number and the widest");
	}
	// Every constant is in the program's encoding, at its own width.
	if s.weight_bytes > bytes {
		return Some("more constant data than the program has bytes");
	}
	// Every op writes its tensor, at least one operation per element; a multiply-add is two.
	let least = s.macs.saturating_mul(2).saturating_add(s.tensor_elements - s.input_elements);
	if s.ops_charged < least {
		return Some("fewer operations than its multiply-adds and its tensors need");
	}
	None
}

/// Integer operations per sample that a task is charged for: two per multiply-add, plus one
/// per element each op writes (a pooling op: one per element of its window; a softmax or a
/// layer normalization: three, one per walk of its row). Every element
/// of every layer is computed, packed, read back and hashed into that layer's root, so a
/// program of many cheap layers (tables, moves) costs what it makes its providers do, and a
/// worker that checks declared work against its throughput sees all of it.
pub fn ops_per_sample(program: &Program) -> u64 {
	program.ops.iter().fold(program.macs_per_sample().saturating_mul(2), |total, op| {
		let written = program.tensors[op.output() as usize].elements();
		let each = match op {
			Op::MaxPool(p) => p.window.kernel[0] as u64 * p.window.kernel[1] as u64,
			Op::AvgPool(p) => p.window.kernel[0] as u64 * p.window.kernel[1] as u64,
			// Three walks of each row: its largest value, its sum, its outputs.
			Op::Softmax(_) => 3,
			// Three walks of each row: its sum, its squares, its outputs.
			Op::LayerNorm(_) => 3,
			_ => 1,
		};
		total.saturating_add(written.saturating_mul(each))
	})
}

/// Bytes of the result of a `batch`-sample task.
pub fn result_len(program: &Program, batch: u64) -> u64 {
	let per_layer = LAYER_ROOT_BYTES * program.ops.len() as u64;
	program.output().elements().saturating_mul(batch).saturating_add(per_layer)
}

/// The kernel-registry entry of a registered model: id `model`, formulas from the summary of
/// its program, batches up to [`max_batch`]`(summary, batch_cap)`.
pub fn kernel_spec(s: &ProgramSummary, model: &ModelId, batch_cap: u32) -> KernelSpec {
	let batch = max_batch(s, batch_cap);
	// Every tensor of the largest batch as i32 values, plus the weights: what a provider holds.
	let vram = s.tensor_elements.saturating_mul(4).saturating_mul(batch as u64);
	let vram_mib = vram.saturating_add(s.weight_bytes).div_ceil(1 << 20).max(1);
	KernelSpec {
		name: BoundedVec::truncate_from(format!("model-{}", hex8(model)).into_bytes()),
		version: VERSION as u32,
		wgsl_hash: *model,
		max_params: BoundedVec::truncate_from(vec![batch]),
		work_units: Formula::new(vec![Term::new(s.ops_charged, &[0])], 1_000_000),
		input_bytes: Formula::new(vec![Term::new(s.input_elements, &[0])], 1),
		output_bytes: Formula::new(
			vec![
				Term::new(s.output_elements, &[0]),
				Term::new(LAYER_ROOT_BYTES * s.ops as u64, &[]),
			],
			1,
		),
		min_vram_mib: u32::try_from(vram_mib).unwrap_or(u32::MAX),
		deterministic: true,
	}
}

/// The result of a run: the output tensor followed by each op's tensor root. `tensors` are
/// every tensor of the run as bytes, sample-major, input first (what the reference and the GPU
/// path both give).
pub fn result(tensors: &[Vec<u8>]) -> Vec<u8> {
	let Some((output, _)) = tensors.split_last() else { return Vec::new() };
	let mut out = output.clone();
	for t in tensors.iter().skip(1) {
		out.extend_from_slice(&aipin_primitives::result::root(t));
	}
	out
}

/// What a provider commits to for `batch` samples of `input`, computed with the plain-Rust
/// reference: [`result`] of every tensor of the run. A canary's author seals its root.
pub fn reference_result(
	program: &Program,
	batch: usize,
	input: &[u8],
) -> Result<Vec<u8>, super::reference::RunError> {
	Ok(result(&super::reference::run(program, batch, input)?.tensors(program)))
}

/// Splits a `batch`-sample result into the outputs and the per-layer roots, or `None` if it
/// is not [`result_len`] bytes.
pub fn split_result<'a>(
	program: &Program,
	batch: u64,
	result: &'a [u8],
) -> Option<(&'a [u8], Vec<[u8; 32]>)> {
	if result.len() as u64 != result_len(program, batch) {
		return None;
	}
	let outputs = program.output().elements().checked_mul(batch)? as usize;
	let (out, roots) = result.split_at(outputs);
	let roots = roots.chunks_exact(32).filter_map(|c| c.try_into().ok()).collect();
	Some((out, roots))
}

/// The first 8 bytes of `id` in hex.
fn hex8(id: &ModelId) -> alloc::string::String {
	id[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::inference::reference;
	use codec::Encode;

	#[test]
	fn the_result_is_the_outputs_then_one_root_per_layer_and_splits_back() {
		let p = Program::dense(6, 3, 2);
		let batch = 4;
		let x: Vec<u8> = (0..24).map(|i| (i * 37 % 256) as u8).collect();
		let acts = reference::run(&p, batch, &x).unwrap();
		let r = result(&acts.tensors(&p));
		assert_eq!(r.len() as u64, result_len(&p, batch as u64));
		let (out, roots) = split_result(&p, batch as u64, &r).unwrap();
		assert_eq!(out, acts.output_bytes(&p).as_slice());
		assert_eq!(roots, vec![aipin_primitives::result::root(&acts.output_bytes(&p))]);
		assert!(split_result(&p, batch as u64, &r[1..]).is_none());
		assert!(split_result(&p, 3, &r).is_none());
	}

	#[test]
	fn the_spec_follows_the_program_and_bounds_the_batch_by_the_binding_size() {
		let p = Program::dense(64, 10, 1);
		let id = p.id();
		let spec = kernel_spec(&summary(&p), &id, 4096);
		assert_eq!(spec.max_params.to_vec(), vec![4096]);
		assert_eq!(spec.wgsl_hash, id);
		assert_eq!(spec.input_bytes.eval(&[5]), Some(320));
		assert_eq!(spec.output_bytes.eval(&[5]), Some(50 + 32));
		// 5 · (2 · 640 + 10) operations (the one op writes the 10 outputs), in millions, rounded
		// up.
		assert_eq!(spec.work_units.eval(&[5]), Some(1));
		assert_eq!(spec.work_units.eval(&[4096]), Some(6));
		// A tensor of 2²² elements is 16 MiB as i32: 8 samples fit 128 MiB.
		let wide = Program::dense(1, 1 << 22, 1);
		assert_eq!(max_batch(&summary(&wide), 4096), 8);
		assert_eq!(max_batch(&summary(&p), 7), 7);
	}

	#[test]
	fn every_layer_is_charged_so_cheap_layers_cannot_hide_work() {
		use crate::inference::program::{Lookup, Tensor};
		// A dense layer, then n tables over its 4,096 outputs: no multiply-adds after the
		// first layer, but each table writes (and a provider packs, reads and hashes) 4,096
		// elements per sample.
		let chain = |n: u16| {
			let mut p = Program::dense(16, 4096, 1);
			let t = p.tensors[1].clone();
			for i in 1..=n {
				p.tensors.push(Tensor { ..t.clone() });
				p.ops.push(Op::Lookup(Lookup { x: i, y: i + 1, table: vec![0; 256] }));
			}
			p.check().unwrap();
			p
		};
		let base = ops_per_sample(&chain(0));
		assert_eq!(base, 2 * 16 * 4096 + 4096);
		assert_eq!(ops_per_sample(&chain(200)), base + 200 * 4096);
		let spec =
			|p: &Program| kernel_spec(&summary(p), &p.id(), 4096).work_units.eval(&[64]).unwrap();
		assert!(
			spec(&chain(200)) > 6 * spec(&chain(0)),
			"{} vs {}",
			spec(&chain(200)),
			spec(&chain(0))
		);
	}

	#[test]
	fn a_program_s_own_summary_is_valid_and_absurd_ones_are_not() {
		use crate::inference::program::Lookup;
		let mut p = Program::dense(300, 20, 1);
		let t = p.tensors[1].clone();
		p.tensors.push(t);
		p.ops.push(Op::Lookup(Lookup { x: 1, y: 2, table: vec![7; 256] }));
		p.check().unwrap();
		let bytes = p.encode().len() as u64;
		let s = summary(&p);
		assert_eq!(
			(s.input_elements, s.output_elements, s.ops, s.widest_elements, s.tensor_elements),
			(300, 20, 2, 300, 340)
		);
		assert_eq!((s.macs, s.ops_charged), (6_000, 12_040));
		assert_eq!(summary_error(&s, bytes), None);
		let bad = |f: fn(&mut ProgramSummary)| {
			let mut b = s;
			f(&mut b);
			summary_error(&b, bytes)
		};
		assert!(bad(|b| b.ops = 0).is_some());
		assert!(bad(|b| b.ops = 256).is_some());
		assert!(bad(|b| b.input_elements = 0).is_some());
		assert!(bad(|b| b.output_elements = MAX_ELEMENTS + 1).is_some());
		assert!(bad(|b| b.widest_elements = 299).is_some());
		assert!(bad(|b| b.tensor_elements = 301).is_some());
		assert!(bad(|b| b.tensor_elements = 901).is_some());
		assert!(bad(|b| b.ops_charged = 12_000).is_some());
		assert!(bad(|b| b.macs = u64::MAX).is_some());
		assert_eq!(
			summary_error(&s, s.weight_bytes - 1),
			Some("more constant data than the program has bytes")
		);
	}
}
