//! Tests of the slashing pallet, with the real staking pallet as the provider registry.

mod jail;
mod reports;
mod schedule;
