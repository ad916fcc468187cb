//! The one secret loader: secret URIs (`//Alice`, a mnemonic, a hex seed) from a file or the
//! environment, kept out of logs.

use crate::Keypair;
use std::{fmt, path::Path};
use subxt_signer::SecretUri;

/// A secret string: `Debug` and `Display` print `***`.
#[derive(Clone, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
	/// Wraps `s`.
	pub fn new(s: String) -> Self {
		Self(s)
	}
	/// The secret itself; only for handing to the key derivation.
	pub fn expose(&self) -> &str {
		&self.0
	}
	/// Reads a secret from `path` (surrounding white space trimmed).
	pub fn from_file(path: &Path) -> Result<Self, KeyError> {
		std::fs::read_to_string(path)
			.map(|s| Self(s.trim().to_string()))
			.map_err(|e| KeyError::File { path: path.display().to_string(), why: e.to_string() })
	}
}

impl fmt::Debug for Secret {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("Secret(***)")
	}
}

impl fmt::Display for Secret {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("***")
	}
}

/// Why no key could be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
	/// Neither a file nor an inline secret was given.
	#[error("no {what} key: {hint}")]
	Missing {
		/// Whose key.
		what: String,
		/// Where to put one.
		hint: String,
	},
	/// The secret file could not be read.
	#[error("reading the secret file {path}: {why}")]
	File {
		/// The file.
		path: String,
		/// Why.
		why: String,
	},
	/// The secret is not a secret URI.
	#[error("the {what} secret URI is malformed")]
	Malformed {
		/// Whose key.
		what: String,
	},
}

/// The sr25519 key of `secret`.
pub fn keypair(secret: &Secret, what: &str) -> Result<Keypair, KeyError> {
	let malformed = || KeyError::Malformed { what: what.to_string() };
	let uri: SecretUri = secret.expose().parse().map_err(|_| malformed())?;
	Keypair::from_uri(&uri).map_err(|_| malformed())
}

/// The key `what` from `file` if given, else from `inline`; `hint` says where one goes.
pub fn load(
	file: Option<&Path>,
	inline: Option<&Secret>,
	what: &str,
	hint: &str,
) -> Result<Keypair, KeyError> {
	let secret = match (file, inline) {
		(Some(path), _) => Secret::from_file(path)?,
		(None, Some(s)) => s.clone(),
		(None, None) => {
			return Err(KeyError::Missing { what: what.to_string(), hint: hint.to_string() })
		},
	};
	keypair(&secret, what)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn secrets_never_print() {
		let s = Secret::new("//Alice".into());
		assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
	}

	#[test]
	fn file_wins_and_errors_say_what() {
		let dir = std::env::temp_dir().join(format!("aipin-keys-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let path = dir.join("op.suri");
		std::fs::write(&path, "//Bob\n").unwrap();
		let alice = Secret::new("//Alice".into());
		let k = load(Some(&path), Some(&alice), "operator", "").unwrap();
		assert_eq!(k.public_key().0, subxt_signer::sr25519::dev::bob().public_key().0);
		let k = load(None, Some(&alice), "operator", "").unwrap();
		assert_eq!(k.public_key().0, subxt_signer::sr25519::dev::alice().public_key().0);
		let e = load(None, None, "operator", "set AIPIN_OPERATOR_SURI").unwrap_err();
		assert_eq!(e.to_string(), "no operator key: set AIPIN_OPERATOR_SURI");
		assert!(load(Some(&dir.join("missing")), None, "x", "").is_err());
		assert!(matches!(
			keypair(&Secret::new("not a uri ///".into()), "stash"),
			Err(KeyError::Malformed { .. })
		));
		let _ = std::fs::remove_dir_all(&dir);
	}
}
