//! The part of ONNX's protobuf schema (`onnx/onnx.proto3`, IR version 3 and later) the
//! compiler reads, declared with `prost`'s derive. Fields not listed here are skipped when
//! decoding, as protobuf requires; the field numbers are the schema's.

/// `ModelProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ModelProto {
	#[prost(int64, tag = "1")]
	pub ir_version: i64,
	#[prost(string, tag = "2")]
	pub producer_name: String,
	#[prost(message, optional, tag = "7")]
	pub graph: Option<GraphProto>,
	#[prost(message, repeated, tag = "8")]
	pub opset_import: Vec<OperatorSetIdProto>,
}

/// `OperatorSetIdProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct OperatorSetIdProto {
	#[prost(string, tag = "1")]
	pub domain: String,
	#[prost(int64, tag = "2")]
	pub version: i64,
}

/// `GraphProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GraphProto {
	#[prost(message, repeated, tag = "1")]
	pub node: Vec<NodeProto>,
	#[prost(string, tag = "2")]
	pub name: String,
	#[prost(message, repeated, tag = "5")]
	pub initializer: Vec<TensorProto>,
	#[prost(message, repeated, tag = "11")]
	pub input: Vec<ValueInfoProto>,
	#[prost(message, repeated, tag = "12")]
	pub output: Vec<ValueInfoProto>,
}

/// `NodeProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct NodeProto {
	#[prost(string, repeated, tag = "1")]
	pub input: Vec<String>,
	#[prost(string, repeated, tag = "2")]
	pub output: Vec<String>,
	#[prost(string, tag = "3")]
	pub name: String,
	#[prost(string, tag = "4")]
	pub op_type: String,
	#[prost(message, repeated, tag = "5")]
	pub attribute: Vec<AttributeProto>,
	#[prost(string, tag = "7")]
	pub domain: String,
}

/// `AttributeProto` (the scalar, tensor and list kinds).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AttributeProto {
	#[prost(string, tag = "1")]
	pub name: String,
	#[prost(float, tag = "2")]
	pub f: f32,
	#[prost(int64, tag = "3")]
	pub i: i64,
	#[prost(bytes = "vec", tag = "4")]
	pub s: Vec<u8>,
	#[prost(message, optional, tag = "5")]
	pub t: Option<TensorProto>,
	#[prost(float, repeated, tag = "7")]
	pub floats: Vec<f32>,
	#[prost(int64, repeated, tag = "8")]
	pub ints: Vec<i64>,
	#[prost(int32, tag = "20")]
	pub r#type: i32,
}

/// `TensorProto` (data inline: `raw_data` or the typed fields).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
	#[prost(int64, repeated, tag = "1")]
	pub dims: Vec<i64>,
	#[prost(int32, tag = "2")]
	pub data_type: i32,
	#[prost(float, repeated, tag = "4")]
	pub float_data: Vec<f32>,
	#[prost(int32, repeated, tag = "5")]
	pub int32_data: Vec<i32>,
	#[prost(int64, repeated, tag = "7")]
	pub int64_data: Vec<i64>,
	#[prost(string, tag = "8")]
	pub name: String,
	#[prost(bytes = "vec", tag = "9")]
	pub raw_data: Vec<u8>,
	#[prost(int32, tag = "14")]
	pub data_location: i32,
}

/// `ValueInfoProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueInfoProto {
	#[prost(string, tag = "1")]
	pub name: String,
	#[prost(message, optional, tag = "2")]
	pub r#type: Option<TypeProto>,
}

/// `TypeProto` (only its `tensor_type` case).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProto {
	#[prost(message, optional, tag = "1")]
	pub tensor_type: Option<TypeProtoTensor>,
}

/// `TypeProto.Tensor`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProtoTensor {
	#[prost(int32, tag = "1")]
	pub elem_type: i32,
	#[prost(message, optional, tag = "2")]
	pub shape: Option<TensorShapeProto>,
}

/// `TensorShapeProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
	#[prost(message, repeated, tag = "1")]
	pub dim: Vec<Dimension>,
}

/// `TensorShapeProto.Dimension`: a fixed size or a symbolic name.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Dimension {
	#[prost(int64, optional, tag = "1")]
	pub dim_value: Option<i64>,
	#[prost(string, optional, tag = "2")]
	pub dim_param: Option<String>,
}

/// `TensorProto.DataType` values the compiler reads.
pub mod dtype {
	pub const FLOAT: i32 = 1;
	pub const UINT8: i32 = 2;
	pub const INT8: i32 = 3;
	pub const INT32: i32 = 6;
	pub const INT64: i32 = 7;
}

// Reading attributes and initializers.

pub(crate) fn attr<'n>(node: &'n NodeProto, name: &str) -> Option<&'n AttributeProto> {
	node.attribute.iter().find(|a| a.name == name)
}

pub(crate) fn attr_ints(node: &NodeProto, name: &str, default: &[i64]) -> Vec<i64> {
	attr(node, name).map(|a| a.ints.clone()).unwrap_or_else(|| default.to_vec())
}

pub(crate) fn attr_int(node: &NodeProto, name: &str, default: i64) -> i64 {
	attr(node, name).map(|a| a.i).unwrap_or(default)
}

/// The values of an integer or float constant.
pub(crate) fn int_values(t: &TensorProto) -> Option<Vec<i64>> {
	let raw = &t.raw_data;
	Some(match t.data_type {
		dtype::INT8 if !raw.is_empty() => raw.iter().map(|&b| b as i8 as i64).collect(),
		dtype::UINT8 if !raw.is_empty() => raw.iter().map(|&b| b as i64).collect(),
		dtype::INT8 | dtype::UINT8 | dtype::INT32 if raw.is_empty() => {
			t.int32_data.iter().map(|&v| v as i64).collect()
		},
		dtype::INT32 => raw
			.chunks_exact(4)
			.map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64)
			.collect(),
		dtype::INT64 if raw.is_empty() => t.int64_data.clone(),
		dtype::INT64 => {
			raw.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect()
		},
		_ => return None,
	})
}

pub(crate) fn float_values(t: &TensorProto) -> Option<Vec<f32>> {
	if t.data_type != dtype::FLOAT {
		return None;
	}
	if t.raw_data.is_empty() {
		Some(t.float_data.clone())
	} else {
		Some(
			t.raw_data
				.chunks_exact(4)
				.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
				.collect(),
		)
	}
}

pub(crate) fn elements(dims: &[i64]) -> i64 {
	dims.iter().product()
}
