//! Types stored by the provider-staking pallet. They are the chain's vocabulary and live in
//! `aipin-primitives` (`provider` module), where the worker and clients read them too.

pub use aipin_primitives::provider::{
	KernelReach, ProviderInfo, ProviderProfile, ProviderStatus, Recount, Reputation, UnlockChunk,
	REPUTATION_MAX, REPUTATION_NEUTRAL,
};
