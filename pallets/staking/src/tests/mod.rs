//! Tests of the provider-staking pallet, by topic. Every test runs the pallet's `try_state`
//! invariants at the end (`ExtBuilder::build_and_execute`).

mod bonding;
mod lifecycle;
mod migrations;
mod profile;
mod registration;
mod registry;
mod selection;
