//! Flows that cross the compute pallets, tested against one runtime with the whole stack —
//! balances, provider staking (the registry), slashing (offences), BME (credits) and task
//! escrow — wired through their traits exactly as in `aipin-runtime`. Each pallet's own crate
//! tests it alone, against the primitives' mocks; what happens between them lives here:
//! payments and refunds to the credit, slashes after deferral, reputation, jailing, the
//! escrow total equal to BME's reserves, and a 1,000-task stress run.
//!
//! Every test ends with every pallet's `try_state` invariants.
#![cfg(test)]

mod mock;

mod bad_input;
mod canaries;
mod disputes;
mod lifecycle;
mod pricing;
mod reads;
mod settlement_rules;
mod stress;
mod submit;
mod timeouts;
mod wash_trading;
