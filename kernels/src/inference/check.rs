//! [`Program::check`]: the rules a program must pass before anything runs it
//! (`docs/inference.md`, "The program"), and [`ProgramError`], which one it breaks.
//! [`Program::decode_checked`] applies them to every program a worker or the chain decodes.

use super::program::{
	Op, Program, BINARY_TABLE, MAX_CONCAT, MAX_CONV_DEPTH, MAX_ELEMENTS, MAX_LAYERNORM_ROW,
	MAX_MATMUL_DEPTH, MAX_SOFTMAX_ROW, MAX_TENSORS, MAX_VOCABULARY, MAX_WEIGHTS, VERSION,
};

/// Why a program is not well formed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgramError {
	/// The bytes do not decode as a program, or have bytes left over.
	Decode,
	/// The bytes do not hash to the model id they were stored under.
	NotItsId,
	/// A version this crate does not run.
	Version(u16),
	/// Too many tensors, or tensor and op counts do not match.
	Structure(&'static str),
	/// A specific op is malformed.
	Op {
		/// Its index.
		index: usize,
		/// What is wrong.
		reason: &'static str,
	},
	/// A tensor is malformed (shape, size or zero point).
	Tensor {
		/// Its index.
		index: usize,
		/// What is wrong.
		reason: &'static str,
	},
}

impl core::fmt::Display for ProgramError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Decode => write!(f, "not a program: the bytes do not decode"),
			Self::NotItsId => write!(f, "the program does not hash to its model id"),
			Self::Version(v) => write!(f, "program format version {v}; this build runs {VERSION}"),
			Self::Structure(why) => write!(f, "malformed program: {why}"),
			Self::Op { index, reason } => write!(f, "op {index}: {reason}"),
			Self::Tensor { index, reason } => write!(f, "tensor {index}: {reason}"),
		}
	}
}

impl core::error::Error for ProgramError {}

impl Program {
	/// Checks everything [`super::reference::run`] and the GPU path rely on.
	pub fn check(&self) -> Result<(), ProgramError> {
		if self.version != VERSION {
			return Err(ProgramError::Version(self.version));
		}
		let n = self.tensors.len();
		if !(2..=MAX_TENSORS).contains(&n) || self.ops.len() + 1 != n {
			return Err(ProgramError::Structure(
				"needs 2..=256 tensors and one op per tensor after the input",
			));
		}
		for (index, t) in self.tensors.iter().enumerate() {
			let bad = |reason| Err(ProgramError::Tensor { index, reason });
			if t.shape.is_empty() || t.shape.len() > 3 || t.shape.contains(&0) {
				return bad("shape must have 1 to 3 non-zero dimensions");
			}
			if t.shape
				.iter()
				.try_fold(1u64, |a, &d| a.checked_mul(d as u64))
				.is_none_or(|e| e > MAX_ELEMENTS)
			{
				return bad("too many elements");
			}
			let (lo, hi) = t.dtype.range();
			if !(lo..=hi).contains(&t.zero_point) {
				return bad("zero point outside the element type's range");
			}
		}
		let mut weights = 0u64;
		for (index, op) in self.ops.iter().enumerate() {
			let bad = |reason| Err(ProgramError::Op { index, reason });
			if op.output() as usize != index + 1 {
				return bad("must define the next tensor");
			}
			if op.inputs().iter().any(|&i| i as usize > index) {
				return bad("reads a tensor defined later");
			}
			let y = &self.tensors[index + 1];
			match op {
				Op::Conv(c) => {
					let x = &self.tensors[c.x as usize];
					let (Some([ci, h, w]), Some([co, oh, ow])) = (x.chw(), y.chw()) else {
						return bad("convolution tensors must be [K] or [C, H, W]");
					};
					if !c.window.in_bounds() {
						return bad("window out of bounds");
					}
					if c.group == 0 || ci % c.group != 0 || co % c.group != 0 {
						return bad("group must divide input and output channels");
					}
					if c.window.output(h, w) != Some([oh, ow]) {
						return bad("output shape does not match the window");
					}
					let per_out = (ci / c.group) as u64
						* c.window.kernel[0] as u64
						* c.window.kernel[1] as u64;
					if per_out > MAX_CONV_DEPTH as u64 {
						return bad("a convolution reduces over more than 65,000 values");
					}
					if c.weight.len() as u64 != co as u64 * per_out {
						return bad("weight count is not C_out · C_in/group · kh · kw");
					}
					if c.bias.len() != co as usize {
						return bad("bias count is not C_out");
					}
					if !(c.multiplier.len() == 1 || c.multiplier.len() == co as usize)
						|| !c.multiplier.iter().all(|&m| super::quant::valid_scale(m))
					{
						return bad(
							"multipliers must be 1 or C_out positive normal binary32 values",
						);
					}
					let (lo, hi) = y.dtype.range();
					if c.clamp[0] < lo || c.clamp[1] > hi || c.clamp[0] > c.clamp[1] {
						return bad("clamp must lie within the output type's range");
					}
					if !(c.weight_zero_point.len() == 1 || c.weight_zero_point.len() == co as usize)
						|| c.weight_zero_point.iter().any(|z| !(-128..=127).contains(z))
					{
						return bad("weight zero points must be 1 or C_out values in -128..=127");
					}
					// |acc| ≤ |bias| + K · 255 · max |w − zp_w| must fit in i32.
					let widest = (0..c.weight.len())
						.map(|i| c.weight_at(i).unsigned_abs() as u64)
						.max()
						.unwrap_or(0);
					let worst = per_out * 255 * widest
						+ c.bias.iter().map(|b| b.unsigned_abs() as u64).max().unwrap_or(0);
					if worst > i32::MAX as u64 {
						return bad("the accumulator could overflow 32 bits");
					}
					weights += c.weight.len() as u64;
				},
				Op::MaxPool(p) => {
					let x = &self.tensors[p.x as usize];
					let (Some([c, h, w]), Some([c2, oh, ow])) = (x.chw(), y.chw()) else {
						return bad("pooling tensors must be [C, H, W]");
					};
					if !p.window.in_bounds() || p.window.dilation != [1, 1] {
						return bad("window out of bounds");
					}
					if p.window.pads[0] >= p.window.kernel[0]
						|| p.window.pads[2] >= p.window.kernel[0]
						|| p.window.pads[1] >= p.window.kernel[1]
						|| p.window.pads[3] >= p.window.kernel[1]
					{
						return bad("padding must be smaller than the kernel");
					}
					if c != c2 || p.window.output(h, w) != Some([oh, ow]) {
						return bad("output shape does not match the window");
					}
					if (x.dtype, x.zero_point, x.scale) != (y.dtype, y.zero_point, y.scale) {
						return bad("output quantization must equal the input's");
					}
				},
				Op::Add(a) | Op::Mul(a) => {
					let (ta, tb) = (&self.tensors[a.a as usize], &self.tensors[a.b as usize]);
					if ta.shape != y.shape || tb.shape != y.shape {
						return bad("operands and output must have the same shape");
					}
					if a.table.len() != BINARY_TABLE {
						return bad("the table must have 65,536 entries");
					}
					weights += BINARY_TABLE as u64;
				},
				Op::Expand { x, .. } => {
					let x = &self.tensors[*x as usize];
					let broadcasts = x.shape.len() == y.shape.len()
						&& x.shape.iter().zip(&y.shape).all(|(&a, &b)| a == b || a == 1);
					if !broadcasts {
						return bad("Expand output must have the input's rank and sizes, or any size where the input's is 1");
					}
					if (x.dtype, x.zero_point, x.scale) != (y.dtype, y.zero_point, y.scale) {
						return bad("output quantization must equal the input's");
					}
				},
				Op::Lookup(l) => {
					if self.tensors[l.x as usize].shape != y.shape {
						return bad("Lookup output must have the input's shape");
					}
					if l.table.len() != 256 {
						return bad("Lookup table must have 256 entries");
					}
					weights += 256;
				},
				Op::Softmax(s) => {
					let x = &self.tensors[s.x as usize];
					if x.shape != y.shape || x.dtype != y.dtype {
						return bad("Softmax output must have the input's shape and element type");
					}
					let Some(&length) = x.shape.get(s.axis as usize) else {
						return bad("Softmax axis is not an axis of the input");
					};
					if length > MAX_SOFTMAX_ROW {
						return bad("Softmax rows are longer than 16,384 values");
					}
					if s.exp.len() != 256 {
						return bad("Softmax needs 256 exponentials");
					}
					weights += 1024;
				},
				Op::Gather(g) => {
					let x = &self.tensors[g.x as usize];
					if x.dtype != super::program::DType::U8 {
						return bad("Gather reads token ids of element type U8");
					}
					let fits =
						y.shape.len() == x.shape.len() + 1 && y.shape[..x.shape.len()] == x.shape;
					let Some(&width) = y.shape.last().filter(|_| fits) else {
						return bad("Gather output must be the ids' shape and the row width");
					};
					if !(1..=MAX_VOCABULARY).contains(&g.rows) {
						return bad("Gather tables have 1 to 256 rows");
					}
					if g.table.len() as u64 != g.rows as u64 * width as u64 {
						return bad("Gather table must be rows × width bytes");
					}
					weights = weights.saturating_add(g.table.len() as u64);
				},
				Op::LayerNorm(l) => {
					let x = &self.tensors[l.x as usize];
					if x.shape != y.shape {
						return bad("LayerNorm output must have the input's shape");
					}
					if l.axis as usize >= x.shape.len() {
						return bad("LayerNorm axis is not an axis of the input");
					}
					let row = l.row(&self.tensors);
					if row > MAX_LAYERNORM_ROW as usize {
						return bad("LayerNorm rows are longer than 16,384 values");
					}
					if l.gain.len() != row || l.offset.len() != row {
						return bad("LayerNorm needs one gain and one offset per row position");
					}
					// Finite numbers only (an exponent field of 255 is an infinity or a NaN), and
					// a non-negative epsilon.
					let finite = |b: &u32| (b >> 23) & 0xff != 0xff;
					if !(finite(&l.epsilon) && l.epsilon >> 31 == 0) {
						return bad("LayerNorm epsilon must be a finite non-negative number");
					}
					if !(l.gain.iter().all(finite) && l.offset.iter().all(finite)) {
						return bad("LayerNorm gains and offsets must be finite numbers");
					}
					weights = weights.saturating_add(4 + 8 * row as u64);
				},
				Op::MatMul(m) => {
					let (a, b) =
						(&self.tensors[m.a as usize].shape, &self.tensors[m.b as usize].shape);
					let r = a.len();
					let fits = (2..=3).contains(&r)
						&& b.len() == r && y.shape.len() == r
						&& a[..r - 2] == b[..r - 2]
						&& a[..r - 2] == y.shape[..r - 2]
						&& a[r - 1] == b[r - 2]
						&& y.shape[r - 2] == a[r - 2]
						&& y.shape[r - 1] == b[r - 1];
					if !fits {
						return bad("MatMul needs [.., M, K] by [.., K, N] into [.., M, N]");
					}
					if a[r - 1] > MAX_MATMUL_DEPTH {
						return bad("MatMul reduces over more than 33,025 values");
					}
					if !super::quant::valid_scale(m.multiplier) {
						return bad("the requantization scale must be a positive normal number");
					}
					let (lo, hi) = y.dtype.range();
					if !(lo <= m.clamp[0] && m.clamp[0] <= m.clamp[1] && m.clamp[1] <= hi) {
						return bad("clamp outside the output type");
					}
					weights += 4;
				},
				Op::Reshape { x, .. } => {
					let x = &self.tensors[*x as usize];
					if x.elements() != y.elements()
						|| (x.dtype, x.zero_point, x.scale) != (y.dtype, y.zero_point, y.scale)
					{
						return bad("reshape must keep element count and quantization");
					}
				},
				Op::Concat(c) => {
					if !(1..=MAX_CONCAT).contains(&c.inputs.len()) {
						return bad("Concat takes 1 to 64 inputs");
					}
					if c.tables.len() != c.inputs.len() || c.tables.iter().any(|t| t.len() != 256) {
						return bad("Concat needs one table of 256 entries per input");
					}
					let axis = c.axis as usize;
					if axis >= y.shape.len() {
						return bad("Concat axis outside the shape");
					}
					let mut along = 0u64;
					for &i in &c.inputs {
						let x = &self.tensors[i as usize];
						let same_but_axis = x.shape.len() == y.shape.len()
							&& x.shape
								.iter()
								.zip(&y.shape)
								.enumerate()
								.all(|(d, (a, b))| d == axis || a == b);
						if !same_but_axis || x.dtype != y.dtype {
							return bad("Concat inputs must match the output but along the axis");
						}
						along += x.shape[axis] as u64;
					}
					if along != y.shape[axis] as u64 {
						return bad("Concat output's axis is not the sum of the inputs'");
					}
					weights += c.tables.len() as u64 * 256;
				},
				Op::AvgPool(p) => {
					let x = &self.tensors[p.x as usize];
					let (Some([c, h, w]), Some([c2, oh, ow])) = (x.chw(), y.chw()) else {
						return bad("pooling tensors must be [C, H, W]");
					};
					let win = &p.window;
					if !win.in_bounds() || win.dilation != [1, 1] {
						return bad("window out of bounds");
					}
					if win.pads[0] >= win.kernel[0]
						|| win.pads[2] >= win.kernel[0]
						|| win.pads[1] >= win.kernel[1]
						|| win.pads[3] >= win.kernel[1]
					{
						return bad("padding must be smaller than the kernel");
					}
					if c != c2 || win.output(h, w) != Some([oh, ow]) {
						return bad("output shape does not match the window");
					}
					if x.dtype != y.dtype || !super::quant::valid_scale(y.scale) {
						return bad("output needs the input's type and a positive normal scale");
					}
					if p.dequant.len() != 256 {
						return bad("AvgPool needs 256 dequantized values");
					}
					weights += 1024;
				},
				Op::Transpose { x, perm, .. } => {
					let x = &self.tensors[*x as usize];
					let mut sorted = perm.clone();
					sorted.sort_unstable();
					if perm.len() != x.shape.len()
						|| sorted.iter().enumerate().any(|(i, &p)| p as usize != i)
					{
						return bad("perm must be a permutation of the input's axes");
					}
					let permuted = perm.iter().map(|&p| x.shape[p as usize]);
					if y.shape.len() != perm.len() || !permuted.eq(y.shape.iter().copied()) {
						return bad("output shape is not the input's, permuted");
					}
					if (x.dtype, x.zero_point, x.scale) != (y.dtype, y.zero_point, y.scale) {
						return bad("output quantization must equal the input's");
					}
				},
			}
		}
		if weights > MAX_WEIGHTS {
			return Err(ProgramError::Structure("too many weights"));
		}
		Ok(())
	}
}
