//! `aipin-worker register`: registers this worker's provider on chain, with the throughput
//! measured on this device.

use crate::{bench, config::Config, gpu::Gpu, kernels::Kernels};
use aipin_client::{
	account_of, calls,
	keys::{self, Secret},
	reads,
	units::{fmt_price, ss58},
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
	/// The ask, or the hourly cost to derive it from.
	pub ask: Ask,
	/// Result server URL consumers fetch from.
	pub endpoint: &'a str,
	/// Device memory, MiB.
	pub vram_mib: u32,
	/// Work units per second; measured on this device when `None`.
	pub throughput: Option<u64>,
}

/// A provider's price.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ask {
	/// Credits per `Escrow.PriceUnit` work units, as the chain stores it.
	Credits(u128),
	/// US dollars per hour of the device fully used.
	UsdPerHour(f64),
}

/// The chain's terms a price is read in: work units a price is for (`Escrow.PriceUnit`), the
/// value of a credit in nano-USD (`Bme.CreditValueNanoUsd`), and the device's throughput.
#[derive(Clone, Copy, Debug)]
pub struct PriceTerms {
	pub price_unit: u64,
	pub credit_nano_usd: u128,
	pub throughput: u64,
}

impl PriceTerms {
	/// The ask that earns `usd_per_hour` when the advertised throughput is fully used:
	/// `⌈usd/h × 10⁹ × price_unit ÷ (3600 × throughput × credit value)⌉`, at least 1.
	pub fn ask_for(&self, usd_per_hour: f64) -> anyhow::Result<u128> {
		anyhow::ensure!(
			usd_per_hour.is_finite() && usd_per_hour > 0.0,
			"--usd-per-hour must be a positive amount, not {usd_per_hour}"
		);
		// Whole micro-dollars: an hourly cost is never finer than that.
		let micro = (usd_per_hour * 1e6).round() as u128;
		anyhow::ensure!(micro > 0, "--usd-per-hour {usd_per_hour} is under a micro-dollar");
		let per_second = u128::from(self.throughput)
			.checked_mul(3600)
			.and_then(|x| x.checked_mul(self.credit_nano_usd))
			.filter(|&d| d > 0)
			.ok_or_else(|| anyhow::anyhow!("no throughput or credit value to price against"))?;
		let numerator = micro
			.checked_mul(1_000)
			.and_then(|n| n.checked_mul(u128::from(self.price_unit)))
			.ok_or_else(|| anyhow::anyhow!("--usd-per-hour {usd_per_hour} is too large"))?;
		Ok(numerator.div_ceil(per_second).max(1))
	}

	/// US dollars an hour that `ask` earns with the advertised throughput fully used.
	pub fn usd_per_hour(&self, ask: u128) -> f64 {
		ask as f64 * self.throughput as f64 * 3600.0 * self.credit_nano_usd as f64
			/ (self.price_unit as f64 * 1e9)
	}
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
	let terms = PriceTerms {
		price_unit: reads::price_unit(&at)?,
		credit_nano_usd: reads::constant(at.metadata_ref(), "Bme", "CreditValueNanoUsd")?,
		throughput,
	};
	let ask = match r.ask {
		Ask::Credits(a) => a,
		Ask::UsdPerHour(usd) => terms.ask_for(usd)?,
	};
	println!(
		"ask {}: ${:.4} an hour at {throughput} work units/s fully used",
		fmt_price(ask, terms.price_unit),
		terms.usd_per_hour(ask)
	);
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
		ask_price: ask,
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

#[cfg(test)]
mod tests {
	use super::PriceTerms;

	#[test]
	fn an_hourly_cost_becomes_the_ask_that_earns_it() {
		// An H100 (about 2·10⁹ work units/s of int8) rented at $2 an hour, credits of
		// $0.00001, prices per 10¹² work units: $2 / 3600 s / 2·10⁹ wu/s · 10¹² wu / $10⁻⁵
		// = 27,777.8 credits, rounded up.
		let h100 = PriceTerms {
			price_unit: 1_000_000_000_000,
			credit_nano_usd: 10_000,
			throughput: 2_000_000_000,
		};
		assert_eq!(h100.ask_for(2.0).unwrap(), 27_778);
		assert!((h100.usd_per_hour(27_778) - 2.0).abs() < 1e-3);
		// A 2-core CPU under lavapipe, 10,000 work units/s, at 5 cents an hour.
		let cpu = PriceTerms { throughput: 10_000, ..h100 };
		assert_eq!(cpu.ask_for(0.05).unwrap(), 138_888_889);
		// Never a zero ask, and nonsense is refused with a reason.
		let tiny = PriceTerms { price_unit: 1, ..h100 };
		assert_eq!(tiny.ask_for(0.01).unwrap(), 1);
		for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-9] {
			assert!(h100.ask_for(bad).is_err(), "{bad}");
		}
		assert!(PriceTerms { throughput: 0, ..h100 }.ask_for(1.0).is_err());
	}
}
