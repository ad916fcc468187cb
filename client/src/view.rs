//! Pallet view functions, called as the runtime API declares them.

use crate::{calls::Args, At, Error, Result};
use codec::Decode;
use subxt::utils::Static;

/// Calls view function `pallet.name(args)` at `at` and decodes its output as `R`, the chain's
/// own type.
///
/// subxt 0.50.3's `view_functions().call()` sends the query id followed by the bare arguments
/// and decodes the reply as the bare output, but the runtime API (`RuntimeViewFunction::
/// execute_view_function(id, input: Vec<u8>) -> Result<Vec<u8>, _>`) takes the arguments as a
/// length-prefixed `Vec<u8>` and wraps its reply in a `Result`: the runtime fails to decode
/// the call. This encodes and decodes what the runtime API actually declares.
pub async fn view<R: Decode>(at: &At, pallet: &str, name: &str, args: Args) -> Result<R> {
	use codec::Encode;
	let payload = subxt::view_functions::dynamic::<Args, Static<R>>(pallet, name, args);
	let raw = at.view_functions().encode_args(payload)?;
	if raw.len() < 32 {
		return Err(Error::Metadata(format!("view function {pallet}.{name}: short query id")));
	}
	let (id, input) = raw.split_at(32);
	let mut params = id.to_vec();
	input.to_vec().encode_to(&mut params);
	let reply = at.view_functions().call_raw(Some(&params)).await?;
	let mut cursor = &reply[..];
	if u8::decode(&mut cursor)? != 0 {
		return Err(Error::Runtime(format!("view function {pallet}.{name} failed in the runtime")));
	}
	let output = Vec::<u8>::decode(&mut cursor)?;
	R::decode(&mut &output[..]).map_err(|e| Error::Decode {
		what: format!("the output of {pallet}.{name}"),
		why: e.to_string(),
	})
}
