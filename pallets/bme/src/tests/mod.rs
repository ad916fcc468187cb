//! Tests of the BME pallet, by topic. `try_state` runs after every test.

mod credits;
mod epochs;
mod oracle;
mod rounding;
mod scale;
mod simulation;
mod work_pool;
