//! AIP amounts and account formats, as people type and read them.

use crate::AccountId;
use aipin_primitives::{units::AIP, Balance};
use sp_core::crypto::Ss58Codec;

/// Why an amount or account did not parse.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(String);

/// Parses an AIP amount (`"100"`, `"0.25"`) into planck.
pub fn parse_aip(s: &str) -> Result<Balance, ParseError> {
	let bad = || ParseError(format!("{s:?} is not an AIP amount (e.g. 100 or 0.25)"));
	let (whole, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
	if whole.is_empty() && frac.is_empty() || frac.len() > 12 {
		return Err(bad());
	}
	let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
	let frac: u128 = if frac.is_empty() {
		0
	} else {
		frac.parse::<u128>().map_err(|_| bad())? * 10u128.pow(12 - frac.len() as u32)
	};
	whole.checked_mul(AIP).and_then(|w| w.checked_add(frac)).ok_or_else(bad)
}

/// A price as people read it: `price` credits per `unit` work units (the escrow's
/// `PriceUnit`), e.g. `"28000 credits / 10^12 wu"`.
pub fn fmt_price(price: u128, unit: u64) -> String {
	let exponent = (0..20u32).find(|&e| 10u64.checked_pow(e) == Some(unit));
	match exponent {
		Some(0) => format!("{price} credits / wu"),
		Some(e) => format!("{price} credits / 10^{e} wu"),
		None => format!("{price} credits / {unit} wu"),
	}
}

/// Formats planck as AIP with up to 4 decimals (truncated).
pub fn fmt_aip(planck: Balance) -> String {
	let whole = planck / AIP;
	let frac = format!("{:012}", planck % AIP);
	let frac = frac[..4].trim_end_matches('0');
	if frac.is_empty() {
		format!("{whole} AIP")
	} else {
		format!("{whole}.{frac} AIP")
	}
}

/// The SS58 address (prefix 42) of `id`.
pub fn ss58(id: &AccountId) -> String {
	id.to_ss58check()
}

/// An account from an SS58 address or 32 bytes of `0x` hex.
pub fn parse_account(s: &str) -> Result<AccountId, ParseError> {
	if let Some(hex) = s.strip_prefix("0x") {
		let bytes = hex::decode(hex).map_err(|_| ParseError(format!("{s}: not hex")))?;
		let bytes: [u8; 32] =
			bytes.try_into().map_err(|_| ParseError(format!("{s}: not 32 bytes")))?;
		return Ok(AccountId::new(bytes));
	}
	AccountId::from_ss58check(s)
		.map_err(|_| ParseError(format!("{s}: not an SS58 address or 0x-hex account")))
}

/// `0x` and the hex of `bytes`.
pub fn hex0x(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn prices_print_with_their_unit() {
		assert_eq!(fmt_price(28_000, 1_000_000_000_000), "28000 credits / 10^12 wu");
		assert_eq!(fmt_price(7, 1), "7 credits / wu");
		assert_eq!(fmt_price(7, 250), "7 credits / 250 wu");
	}

	#[test]
	fn aip_amounts_parse_and_print() {
		assert_eq!(parse_aip("100").unwrap(), 100 * AIP);
		assert_eq!(parse_aip("0.25").unwrap(), AIP / 4);
		assert_eq!(parse_aip(".5").unwrap(), AIP / 2);
		assert_eq!(parse_aip("1.000000000001").unwrap(), AIP + 1);
		for bad in ["", ".", "abc", "1.2.3", "-1", "1.0000000000001", "1e3"] {
			assert!(parse_aip(bad).is_err(), "{bad:?}");
		}
		assert_eq!(fmt_aip(100 * AIP), "100 AIP");
		assert_eq!(fmt_aip(AIP / 4), "0.25 AIP");
		assert_eq!(fmt_aip(1), "0 AIP");
		assert_eq!(fmt_aip(12_345_678 * AIP / 1000), "12345.678 AIP");
	}

	#[test]
	fn accounts_parse_from_ss58_and_hex() {
		let alice = AccountId::new(subxt_signer::sr25519::dev::alice().public_key().0);
		let text = ss58(&alice);
		assert_eq!(text, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
		assert_eq!(parse_account(&text).unwrap(), alice);
		let hex = hex0x(alice.as_ref());
		assert_eq!(parse_account(&hex).unwrap(), alice);
		assert!(parse_account("0x1234").is_err());
		assert!(parse_account("alice").is_err());
	}
}
