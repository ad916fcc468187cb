// The token's symbol and decimals. One home for both: `chain::units` includes this file, and so
// does `runtime/build.rs`, which embeds them in the runtime's metadata hash (RFC 78) for offline
// signers, so the wallets' view and the chain-spec properties cannot drift apart.

/// Token symbol, as shown in the chain-spec properties and the metadata hash.
pub const TOKEN_SYMBOL: &str = "AIP";
/// Token decimals, as shown in the chain-spec properties and the metadata hash.
pub const TOKEN_DECIMALS: u8 = 12;
