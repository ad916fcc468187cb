//! Glue traits between the compute pallets, one file per family. Each trait has a `()`
//! implementation (nothing exists, nothing happens) and, behind the `test-utils` feature, an
//! in-memory mock in the family's `mock` module.

pub mod credits;
pub mod heartbeat;
pub mod offences;
pub mod registry;

pub use credits::ComputeCredits;
pub use heartbeat::HeartbeatObserver;
pub use offences::{OnStakeBurned, ReportOffence};
pub use registry::{InFlightTasks, ProviderRegistry};
