//! Consumer-edge files, shared by `aipin model`, `aipin infer` and `aipin-worker infer`:
//! a model file (`.onnx`, compiled here, or `.aiq`, program bytes), a batch from `.npy` and
//! an output back to `.npy`.

use crate::{compile, dequantize_output, npy, quantize_input, CompileError};
use aipin_kernels::inference::{DType, Program};
use std::path::Path;

/// Why a file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
	#[error("{path}: {source}")]
	Read { path: String, source: std::io::Error },
	#[error("{0}")]
	Compile(#[from] CompileError),
	#[error("{0}")]
	Npy(#[from] npy::NpyError),
	#[error("{0}")]
	Program(aipin_kernels::inference::ProgramError),
	#[error("{0}")]
	Batch(String),
	#[error("{0}")]
	ModelId(String),
}

/// Reads a model: `.onnx` is compiled, anything else is taken as program bytes (`.aiq`) and
/// checked. Returns the program and its canonical bytes (whose hash is the model id).
pub fn load_model(path: &Path) -> Result<(Program, Vec<u8>), FileError> {
	let bytes = std::fs::read(path)
		.map_err(|source| FileError::Read { path: path.display().to_string(), source })?;
	if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("onnx")) {
		let c = compile(&bytes)?;
		Ok((c.program, c.bytes))
	} else {
		let program = Program::decode_checked(&bytes).map_err(FileError::Program)?;
		Ok((program, bytes))
	}
}

/// The model id `arg` names, if it is one rather than a file: `0x` and 64 hex digits, and no
/// file of that name exists.
pub fn model_id_arg(arg: &str) -> Result<Option<[u8; 32]>, FileError> {
	let Some(hex) = arg.strip_prefix("0x").filter(|h| h.len() == 64 && !Path::new(arg).exists())
	else {
		return Ok(None);
	};
	let id = hex::decode(hex).ok().and_then(|b| b.try_into().ok());
	id.map(Some).ok_or_else(|| FileError::ModelId(format!("{arg}: not a 32-byte hex model id")))
}

/// The task input for an array: float32 is quantized as the model's QuantizeLinear does;
/// int8/uint8 must be the model's input type and is used as it is; a model that takes token
/// ids takes integers (int64, int32 or uint8) from 0 to 255. The array is `[batch, ...]` with
/// the model's per-sample element count after the first axis.
pub fn batch_from(program: &Program, a: &npy::Array) -> Result<(usize, Vec<u8>), FileError> {
	let per = program.input().elements() as usize;
	let Some((&batch, rest)) = a.shape.split_first() else {
		return Err(FileError::Batch("the input has no batch axis".into()));
	};
	let got: usize = rest.iter().product();
	if got != per || batch == 0 {
		return Err(FileError::Batch(format!(
			"the input is {:?}; the model takes [batch, {:?}] ({per} elements per sample)",
			a.shape,
			program.input().shape
		)));
	}
	let want = program.input().dtype;
	if program.takes_token_ids() {
		let bytes = match &a.data {
			npy::Data::U8(x) => x.clone(),
			npy::Data::I64(x) => x
				.iter()
				.enumerate()
				.map(|(i, &v)| {
					u8::try_from(v).map_err(|_| {
						FileError::Batch(format!(
							"token id {v} at element {i}: the model takes ids from 0 to 255"
						))
					})
				})
				.collect::<Result<_, _>>()?,
			_ => {
				return Err(FileError::Batch(
					"the model takes token ids: an int64, int32 or uint8 array".into(),
				))
			},
		};
		return Ok((batch, bytes));
	}
	let bytes = match (&a.data, want) {
		(npy::Data::F32(x), _) => quantize_input(program, x),
		(npy::Data::U8(x), DType::U8) => x.clone(),
		(npy::Data::I8(x), DType::I8) => x.iter().map(|&v| v as u8).collect(),
		_ => return Err(FileError::Batch(format!("the model takes {want:?} (or float32) input"))),
	};
	Ok((batch, bytes))
}

/// Reads a batch from a `.npy` file.
pub fn read_batch(program: &Program, path: &Path) -> Result<(usize, Vec<u8>), FileError> {
	let bytes = std::fs::read(path)
		.map_err(|source| FileError::Read { path: path.display().to_string(), source })?;
	batch_from(program, &npy::read(&bytes)?)
}

/// The output as an array `[batch, output shape...]`: its 8-bit values, or dequantized f32.
pub fn output_array(program: &Program, batch: usize, y: &[u8], dequantize: bool) -> npy::Array {
	let mut shape = vec![batch];
	shape.extend(program.output().shape.iter().map(|&d| d as usize));
	let data = if dequantize {
		npy::Data::F32(dequantize_output(program, y))
	} else {
		match program.output().dtype {
			DType::U8 => npy::Data::U8(y.to_vec()),
			DType::I8 => npy::Data::I8(y.iter().map(|&b| b as i8).collect()),
		}
	};
	npy::Array { shape, data }
}

/// Per sample, the index of the largest output (ties: the first).
pub fn argmax(program: &Program, y: &[u8]) -> Vec<usize> {
	let t = program.output();
	let per = t.elements() as usize;
	y.chunks(per)
		.map(|row| {
			let mut best = 0;
			for (i, &b) in row.iter().enumerate() {
				if t.dtype.from_byte(b) > t.dtype.from_byte(row[best]) {
					best = i;
				}
			}
			best
		})
		.collect()
}
