//! # aipin-test-harness
//!
//! What AiPIN's process-level tests share:
//! - [`free_port`], [`TempDir`], [`wait_until`], [`bin`]: the basics;
//! - [`Proc`]: a child process killed on drop, its output in a log whose tail failure messages
//!   show;
//! - [`Node`]: an `aipin-node` on loopback ports with its own base path, restartable on the same
//!   database;
//! - [`DevNet`]: a dev node sealing a finalized block a second, `aipin-worker run` processes,
//!   the `aipin` CLI, and typed reads through [`aipin_client`] for what tests check;
//! - [`Files`]: a loopback HTTP server for inputs and programs, counting requests per path.
//!
//! Binaries are found beside the test executable (`cargo test --workspace` builds them all), or
//! at `AIPIN_<NAME>_BIN` (`AIPIN_NODE_BIN`, `AIPIN_WORKER_BIN`, `AIPIN_BIN`).

mod devnet;
mod http;
mod node;
mod proc;

pub use devnet::{alice_stash, bob_stash, stash, DevNet, WorkerSpec};
pub use http::Files;
pub use node::{best_number, finalized_number, rpc, Node, NodeConfig};
pub use proc::{bin, free_port, wait_until, Proc, TempDir};
