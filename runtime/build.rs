//! Builds the runtime to a compressed WASM blob (`WASM_BINARY`) when the `std` feature is on.
//!
//! The blob embeds the hash of its own metadata (RFC 78, with the token's symbol and decimals),
//! so `CheckMetadataHash` works in mode 1: an offline signer such as a Ledger decodes the call
//! with a proof against that hash and signs over the hash, and the runtime refuses the
//! transaction unless the hash is its own. Without it, mode 1 fails with `CannotLookup`.

#[cfg(feature = "std")]
mod token {
	include!("../primitives/src/token.rs");
}

fn main() {
	#[cfg(feature = "std")]
	{
		substrate_wasm_builder::WasmBuilder::init_with_defaults()
			.enable_metadata_hash(token::TOKEN_SYMBOL, token::TOKEN_DECIMALS)
			.build();
	}
}
