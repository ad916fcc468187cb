//! `.npy` files (NumPy's format, versions 1 to 3), the consumer-side tensor format: float32
//! inputs to quantize, int8/uint8 inputs to send as they are, int64 or int32 token ids,
//! outputs written back.

/// An array read from or written to `.npy`.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
	/// C-order shape.
	pub shape: Vec<usize>,
	/// The elements.
	pub data: Data,
}

/// The element types AiPIN reads and writes.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
	F32(Vec<f32>),
	I8(Vec<i8>),
	U8(Vec<u8>),
	/// int64, or int32 widened (token ids).
	I64(Vec<i64>),
}

/// Why a file is not a usable `.npy`.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
	#[error("not a .npy file (bad magic or header)")]
	Header,
	#[error(
		"unsupported .npy element type `{0}` (float32, int8, uint8, int64 or int32, little-endian)"
	)]
	DType(String),
	#[error("Fortran-order arrays are not supported; save with np.ascontiguousarray")]
	Fortran,
	#[error("the data is {got} bytes; the shape needs {expected}")]
	Size { expected: usize, got: usize },
}

fn field<'a>(header: &'a str, key: &str) -> Option<&'a str> {
	let at = header.find(&format!("'{key}'"))? + key.len() + 2;
	let rest = header[at..].trim_start().strip_prefix(':')?.trim_start();
	Some(rest)
}

/// Parses `.npy` bytes.
pub fn read(bytes: &[u8]) -> Result<Array, NpyError> {
	if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
		return Err(NpyError::Header);
	}
	let (len, start) = match bytes[6] {
		1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
		2 | 3 if bytes.len() >= 12 => {
			(u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
		},
		_ => return Err(NpyError::Header),
	};
	let end = start.checked_add(len).filter(|&e| e <= bytes.len()).ok_or(NpyError::Header)?;
	let header = std::str::from_utf8(&bytes[start..end]).map_err(|_| NpyError::Header)?;
	let descr = field(header, "descr")
		.and_then(|r| r.strip_prefix('\''))
		.and_then(|r| r.split('\'').next());
	let descr = descr.ok_or(NpyError::Header)?;
	if field(header, "fortran_order").is_some_and(|r| r.starts_with("True")) {
		return Err(NpyError::Fortran);
	}
	let shape =
		field(header, "shape").and_then(|r| r.strip_prefix('(')).and_then(|r| r.split(')').next());
	let shape: Vec<usize> = shape
		.ok_or(NpyError::Header)?
		.split(',')
		.map(str::trim)
		.filter(|s| !s.is_empty())
		.map(|s| s.parse().map_err(|_| NpyError::Header))
		.collect::<Result<_, _>>()?;
	let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or(NpyError::Header)?;
	let body = &bytes[end..];
	let width = match descr {
		"<f4" | "<i4" => 4,
		"<i8" => 8,
		"|i1" | "i1" | "|u1" | "u1" => 1,
		other => return Err(NpyError::DType(other.into())),
	};
	let expected = count.checked_mul(width).ok_or(NpyError::Header)?;
	if body.len() != expected {
		return Err(NpyError::Size { expected, got: body.len() });
	}
	let data = match descr {
		"<f4" => Data::F32(
			body.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
		),
		"<i8" => Data::I64(
			body.chunks_exact(8)
				.map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
				.collect(),
		),
		"<i4" => Data::I64(
			body.chunks_exact(4)
				.map(|c| i32::from_le_bytes(c.try_into().expect("4 bytes")) as i64)
				.collect(),
		),
		"|i1" | "i1" => Data::I8(body.iter().map(|&b| b as i8).collect()),
		_ => Data::U8(body.to_vec()),
	};
	Ok(Array { shape, data })
}

/// Writes `.npy` (version 1) bytes.
pub fn write(a: &Array) -> Vec<u8> {
	let (descr, body): (&str, Vec<u8>) = match &a.data {
		Data::F32(v) => ("<f4", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
		Data::I8(v) => ("|i1", v.iter().map(|&x| x as u8).collect()),
		Data::U8(v) => ("|u1", v.clone()),
		Data::I64(v) => ("<i8", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
	};
	let dims: Vec<String> = a.shape.iter().map(|d| d.to_string()).collect();
	let shape =
		if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
	let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
	// Pad so that magic + version + length + header + '\n' is a multiple of 64.
	while (10 + header.len() + 1) % 64 != 0 {
		header.push(' ');
	}
	header.push('\n');
	let mut out = b"\x93NUMPY\x01\x00".to_vec();
	out.extend((header.len() as u16).to_le_bytes());
	out.extend(header.as_bytes());
	out.extend(body);
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn round_trips_and_refuses_bad_files() {
		for data in [
			Data::F32(vec![1.5, -2.0, 0.0, 3.25, 7.0, 8.0]),
			Data::I8(vec![-128, 127, 0, 1, 2, 3]),
			Data::U8(vec![0, 255, 1, 2, 3, 4]),
			Data::I64(vec![0, 255, -1, i64::MAX, 3, 4]),
		] {
			let a = Array { shape: vec![2, 3], data };
			assert_eq!(read(&write(&a)).unwrap(), a);
		}
		let good = write(&Array { shape: vec![4], data: Data::U8(vec![1, 2, 3, 4]) });
		assert!(matches!(
			read(&good[..good.len() - 1]),
			Err(NpyError::Size { expected: 4, got: 3 })
		));
		assert!(matches!(read(b"not numpy at all"), Err(NpyError::Header)));
		let at = good.windows(3).position(|w| w == b"|u1").unwrap();
		let mut f64 = good.clone();
		f64[at..at + 3].copy_from_slice(b"<f8");
		assert!(matches!(read(&f64), Err(NpyError::DType(d)) if d == "<f8"));
		// int32 is read widened.
		let mut i32s = write(&Array { shape: vec![1], data: Data::F32(vec![0.0]) });
		let at = i32s.windows(3).position(|w| w == b"<f4").unwrap();
		i32s[at..at + 3].copy_from_slice(b"<i4");
		let n = i32s.len();
		i32s[n - 4..].copy_from_slice(&(-7i32).to_le_bytes());
		assert_eq!(read(&i32s).unwrap().data, Data::I64(vec![-7]));
	}
}
