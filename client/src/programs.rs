//! The programs of registered models, wherever they are stored: read from the chain, or
//! fetched from the URL a model was registered with and checked the way every provider checks
//! it (length, hash, well-formedness, and the figures its registration declares).

use crate::{
	http::{fetch_checked, FetchError},
	reads, At, Error, Result,
};
use aipin_kernels::inference::{task::summary, Program};
use aipin_primitives::{InputFault, ModelId, ProgramSummary};
use std::time::Duration;

/// Where a registered model's program is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
	/// Stored on chain: these bytes.
	OnChain(Vec<u8>),
	/// Stored off chain.
	Fetched(Remote),
}

/// A program stored off chain, as its registration describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remote {
	/// Where it is fetched from.
	pub url: String,
	/// Its length.
	pub bytes: u64,
	/// What its registration declares of it.
	pub summary: ProgramSummary,
}

/// What fetching a program gives: the checked program and its bytes, or why it cannot be
/// used (the fault a provider reports on chain, and a message); the outer error is worth
/// retrying (unreachable, timed out, a server error).
pub type Fetched = core::result::Result<
	core::result::Result<(Program, Vec<u8>), (InputFault, String)>,
	FetchError,
>;

impl Remote {
	/// Fetches the program of model `id` from its URL, within [`fetch_timeout`]`(timeout, ..)`,
	/// from any address if `allow_private`, and checks it as every provider does: length and
	/// hash while it arrives, then [`check_fetched`] (off the async runtime: decoding tens of
	/// MiB is CPU work).
	pub async fn fetch(&self, id: ModelId, timeout: Duration, allow_private: bool) -> Fetched {
		let wait = fetch_timeout(timeout, self.bytes);
		let raw = match fetch_checked(&self.url, id, self.bytes, wait, allow_private).await? {
			Ok(raw) => raw,
			Err(unusable) => return Ok(Err(unusable)),
		};
		let declared = self.summary;
		tokio::task::spawn_blocking(move || check_fetched(&raw, &id, &declared).map(|p| (p, raw)))
			.await
			.map_err(|e| FetchError::Body {
				url: self.url.clone(),
				why: format!("checking the program stopped: {e}"),
			})
	}
}

/// Where the program of model `id` is, at `at`; `None` if no such model is registered.
pub async fn source(at: &At, id: &ModelId) -> Result<Option<Source>> {
	let (model, on_chain, url) =
		tokio::try_join!(reads::model(at, id), reads::program(at, id), reads::program_url(at, id))?;
	Ok(match (model, on_chain, url) {
		(None, ..) => None,
		(Some(_), Some(bytes), _) => Some(Source::OnChain(bytes)),
		(Some(m), None, Some(remote)) => Some(Source::Fetched(Remote {
			url: String::from_utf8_lossy(&remote.url).into_owned(),
			bytes: m.bytes as u64,
			summary: remote.summary,
		})),
		(Some(_), None, None) => {
			return Err(Error::Runtime(format!(
				"model 0x{} is registered without a program or a program URL",
				hex::encode(id)
			)))
		},
	})
}

/// Checks fetched program bytes (already of the declared length and hash `id`): well-formed,
/// and with the figures its registration declares. `Err` is what a provider reports.
pub fn check_fetched(
	bytes: &[u8],
	id: &ModelId,
	declared: &ProgramSummary,
) -> core::result::Result<Program, (InputFault, String)> {
	let mismatch = |why: String| (InputFault::ProgramMismatch, why);
	let program = Program::decode_registered(bytes, id).map_err(|e| {
		mismatch(format!("the program fetched for model 0x{}: {e}", hex::encode(id)))
	})?;
	let actual = summary(&program);
	if actual != *declared {
		return Err(mismatch(format!(
			"the program fetched for model 0x{} is not what its registration declares: it has \
			 {actual:?}, the chain says {declared:?}",
			hex::encode(id)
		)));
	}
	Ok(program)
}

/// How long to wait for a program of `bytes` bytes: `base`, plus a second per MiB (a link
/// slower than 1 MiB/s is given up on).
pub fn fetch_timeout(base: Duration, bytes: u64) -> Duration {
	base + Duration::from_secs(bytes.div_ceil(1 << 20))
}

/// The checked program of model `id`, wherever it is stored; a fetched one is fetched once,
/// with [`fetch_timeout`]`(timeout, ..)`, from any address if `allow_private`. For the CLI
/// and the worker's own tools; the daemon fetches in the background instead.
pub async fn load(
	at: &At,
	id: &ModelId,
	timeout: Duration,
	allow_private: bool,
) -> Result<(Program, Vec<u8>)> {
	let unusable = |why: String| Error::Runtime(why);
	match source(at, id).await? {
		None => Err(unusable(format!("no model 0x{} is registered", hex::encode(id)))),
		Some(Source::OnChain(bytes)) => {
			let program = Program::decode_registered(&bytes, id)
				.map_err(|e| unusable(format!("model 0x{}: {e}", hex::encode(id))))?;
			Ok((program, bytes))
		},
		Some(Source::Fetched(remote)) => remote
			.fetch(*id, timeout, allow_private)
			.await
			.map_err(|e| unusable(e.to_string()))?
			.map_err(|(_, why)| unusable(why)),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::Encode;

	#[test]
	fn a_fetched_program_must_be_what_its_registration_declares() {
		let p = Program::dense(40, 7, 3);
		let bytes = p.encode();
		let id = p.id();
		let declared = summary(&p);
		assert_eq!(check_fetched(&bytes, &id, &declared), Ok(p.clone()));
		let mut lie = declared;
		lie.ops_charged -= 1;
		let (fault, why) = check_fetched(&bytes, &id, &lie).unwrap_err();
		assert_eq!(fault, InputFault::ProgramMismatch);
		assert!(why.contains("not what its registration declares"), "{why}");
		// Bytes that are not a program (or not this one) are a mismatch too.
		let garbage = vec![7u8; 100];
		let gid = aipin_kernels::inference::program::id_of(&garbage);
		assert_eq!(
			check_fetched(&garbage, &gid, &declared).unwrap_err().0,
			InputFault::ProgramMismatch
		);
		assert_eq!(
			check_fetched(&bytes, &gid, &declared).unwrap_err().0,
			InputFault::ProgramMismatch
		);
	}
}
