//! Builds the runtime to a compressed WASM blob (`WASM_BINARY`) when the `std` feature is on.

fn main() {
	#[cfg(feature = "std")]
	{
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
	}
}
