//! Unit tests of the escrow pallet alone, against the primitives' mocks. Every test ends with
//! the pallet's `try_state` invariants and a check that the mock ledger reserves exactly the
//! escrow total. The flows through the real staking, slashing and BME pallets are tested in
//! `aipin-pallet-flows`.

mod alone;
mod kernels;
mod migrations;
