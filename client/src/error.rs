//! The client's one error type.

/// What went wrong talking to the chain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	/// The node could not be reached or did not finish the handshake.
	#[error("cannot reach the node at {url}: {why} (is it running? set --node or AIPIN_NODE)")]
	Connect {
		/// The URL tried.
		url: String,
		/// Why.
		why: String,
	},
	/// An RPC, storage, event or transaction operation failed.
	#[error(transparent)]
	Chain(Box<subxt::Error>),
	/// The node refused a transaction before inclusion (bad nonce, fees, invalid call, ...).
	#[error("{call} was refused by the node: {why}")]
	Refused {
		/// `Pallet.call`.
		call: String,
		/// The node's reason.
		why: String,
	},
	/// A transaction was included but its dispatch failed; `why` names the pallet error.
	#[error("{call} failed: {why}")]
	Failed {
		/// `Pallet.call`.
		call: String,
		/// The decoded dispatch error.
		why: String,
	},
	/// The runtime's metadata lacks something this client needs, or has it in another shape:
	/// the client and the runtime are of different versions.
	#[error("the runtime does not match this client: {0}")]
	Metadata(String),
	/// Bytes from the chain did not decode as the chain's own type.
	#[error("decoding {what}: {why}")]
	Decode {
		/// What was decoded.
		what: String,
		/// Why it failed.
		why: String,
	},
	/// A view function or runtime call answered with an error.
	#[error("{0}")]
	Runtime(String),
	/// Waited too long.
	#[error("{0}")]
	Timeout(String),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl From<subxt::Error> for Error {
	fn from(e: subxt::Error) -> Self {
		Self::Chain(Box::new(e))
	}
}

macro_rules! via_subxt {
	($($t:ty),* $(,)?) => {
		$(impl From<$t> for Error {
			fn from(e: $t) -> Self {
				Self::Chain(Box::new(subxt::Error::from(e)))
			}
		})*
	};
}

via_subxt!(
	subxt::error::OnlineClientError,
	subxt::error::OnlineClientAtBlockError,
	subxt::error::StorageError,
	subxt::error::StorageValueError,
	subxt::error::StorageKeyError,
	subxt::error::EventsError,
	subxt::error::ViewFunctionError,
	subxt::error::ExtrinsicError,
	subxt::error::BlocksError,
	subxt::error::BackendError,
	subxt::error::RuntimeApiError,
	subxt::rpcs::Error,
);

impl From<codec::Error> for Error {
	fn from(e: codec::Error) -> Self {
		Self::Decode { what: "SCALE".into(), why: e.to_string() }
	}
}
