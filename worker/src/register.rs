//! `aipin-worker register`: registers this worker's provider on chain, with the throughput
//! measured on this device.

use crate::{bench, config::Config, gpu::Gpu, kernels::Kernels};
use aipin_client::{
	account_of, calls,
	keys::{self, Secret},
	reads,
	units::ss58,
	Client, Unbounded,
};
use aipin_kernels::Kernel;
use aipin_primitives::{units::AIP, DeviceClass, ProviderProfile};

/// What `register` is asked to register.
pub struct Registration<'a> {
	/// File holding the stash's secret URI (else `AIPIN_STASH_SURI`).
	pub stash_file: Option<&'a std::path::Path>,
	/// Stake, whole AIP.
	pub stake: u128,
	/// Ask, credits per work unit.
	pub ask: u128,
	/// Result server URL consumers fetch from.
	pub endpoint: &'a str,
	/// Device memory, MiB.
	pub vram_mib: u32,
	/// Work units per second; measured on this device when `None`.
	pub throughput: Option<u64>,
}

/// Measures work units per second on this device: a 512³ GEMM, checked against the CPU
/// reference (a device that computes wrong is not registered).
fn measure_throughput() -> anyhow::Result<u64> {
	let gpu = Gpu::new()?;
	let k = Kernels::new(&gpu)?;
	let p = [512, 512, 512];
	let row =
		tokio::task::block_in_place(|| bench::measure(&gpu, &k, Kernel::GemmI8, &p, 3, true))?;
	let t = row.units_per_s() as u64;
	println!(
		"measured {t} work units/s on {} (gemm-i8 {p:?}, {:.2} GOPS)",
		gpu.info.name,
		row.gpu_gops()
	);
	Ok(t)
}

/// Registers this worker's provider: the stash bonds `stake` AIP for the kernels this worker
/// ships that the chain registers, naming the configured operator key.
pub async fn register(cfg: &Config, r: Registration<'_>) -> anyhow::Result<()> {
	let throughput = match r.throughput {
		Some(t) => t,
		None => measure_throughput()?,
	};
	let inline = std::env::var("AIPIN_STASH_SURI").ok().map(Secret::new);
	let stash = keys::load(
		r.stash_file,
		inline.as_ref(),
		"stash",
		"pass --stash-suri-file or set AIPIN_STASH_SURI",
	)?;
	let operator = cfg.operator_key()?;
	let client = Client::connect(&cfg.node).await?;
	let at = client.finalized().await?;
	// The built-in kernels the chain registers, and the engine that runs every model.
	let mut kernels: Vec<u32> = reads::kernels(&at)
		.await?
		.into_iter()
		.filter(|(_, k)| !k.deprecated && Kernel::by_hash(&k.spec.wgsl_hash).is_some())
		.map(|(id, _)| id)
		.collect();
	kernels.push(aipin_primitives::INFERENCE_ENGINE);
	anyhow::ensure!(
		!kernels.is_empty(),
		"the chain registers none of the kernels this worker ships"
	);
	let profile = ProviderProfile::<Unbounded> {
		device_class: DeviceClass::ConsumerGpu,
		vram_mib: r.vram_mib,
		throughput,
		kernels: kernels.clone().try_into().expect("unbounded"),
		ask_price: r.ask,
	};
	let call = calls::staking::register_provider(
		r.stake.saturating_mul(AIP),
		&profile,
		&account_of(&operator),
		r.endpoint.as_bytes(),
	);
	client.submit(&stash, &call).await?;
	println!(
		"registered stash {} with operator {} for kernels {kernels:?}",
		ss58(&account_of(&stash)),
		ss58(&account_of(&operator))
	);
	Ok(())
}
