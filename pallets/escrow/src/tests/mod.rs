//! Unit tests of the escrow pallet, by topic. Every test ends with every pallet's `try_state`
//! invariants and a cross-check that BME's reserved credits equal the escrow total.

mod disputes;
mod kernels;
mod lifecycle;
mod reads;
mod stress;
mod submit;
mod timeouts;
