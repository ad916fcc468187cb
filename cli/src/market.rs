//! Credits, kernels, providers and the BME state, as the CLI prints them.

use aipin_client::{
	calls, events, reads,
	units::{hex0x, ss58},
	Client, Keypair,
};
use aipin_primitives::{AccountId, Balance, Credits, KernelId, ProviderStatus};
use serde::Serialize;

/// The result of `credits buy`.
#[derive(Debug, Serialize)]
pub struct Purchase {
	pub block: u64,
	pub tokens: u128,
	pub credits: u128,
	/// Nano-USD per AIP used.
	pub price: u128,
	pub free_credits: u128,
}

/// Burns `tokens` planck for credits (at least `min_credits`).
pub async fn buy_credits(
	client: &Client,
	signer: &Keypair,
	tokens: Balance,
	min_credits: Credits,
) -> anyhow::Result<Purchase> {
	let included = client.submit(signer, &calls::bme::buy_credits(tokens, min_credits)).await?;
	let e = included
		.find::<events::bme::CreditsPurchased>()?
		.pop()
		.ok_or_else(|| anyhow::anyhow!("no CreditsPurchased event"))?;
	let (free, _) = reads::credits_of(&included.at, &aipin_client::account_of(signer)).await?;
	Ok(Purchase {
		block: included.block,
		tokens: e.tokens,
		credits: e.credits,
		price: e.price,
		free_credits: free,
	})
}

/// A registered kernel.
#[derive(Clone, Debug, Serialize)]
pub struct Kernel {
	pub id: KernelId,
	pub name: String,
	pub version: u32,
	pub wgsl_hash: String,
	pub max_params: Vec<u32>,
	pub min_vram_mib: u32,
	pub deterministic: bool,
	pub deprecated: bool,
}

/// Every registered kernel, by id.
pub async fn kernels(client: &Client) -> anyhow::Result<Vec<Kernel>> {
	let at = client.finalized().await?;
	Ok(reads::kernels(&at)
		.await?
		.into_iter()
		.map(|(id, k)| Kernel {
			id,
			name: String::from_utf8_lossy(&k.spec.name).into_owned(),
			version: k.spec.version,
			wgsl_hash: hex0x(&k.spec.wgsl_hash),
			max_params: k.spec.max_params.to_vec(),
			min_vram_mib: k.spec.min_vram_mib,
			deterministic: k.spec.deterministic,
			deprecated: k.deprecated,
		})
		.collect())
}

/// Finds a kernel by id or name (the newest non-deprecated version of a name).
pub async fn resolve_kernel(client: &Client, which: &str) -> anyhow::Result<Kernel> {
	let all = kernels(client).await?;
	let found = match which.parse::<u32>() {
		Ok(id) => all.iter().find(|k| k.id == id),
		Err(_) => all.iter().filter(|k| k.name == which && !k.deprecated).max_by_key(|k| k.version),
	};
	found.cloned().ok_or_else(|| {
		let names: Vec<String> = all.iter().map(|k| format!("{} ({})", k.name, k.id)).collect();
		anyhow::anyhow!("unknown kernel {which:?}; the chain registers: {}", names.join(", "))
	})
}

/// A registered provider.
#[derive(Debug, Serialize)]
pub struct Provider {
	pub stash: String,
	pub operator: String,
	pub endpoint: String,
	pub stake: u128,
	pub status: String,
	pub kernels: Vec<u32>,
	/// Credits per `price_unit` work units.
	pub ask_price: u128,
	/// The chain's `Escrow.PriceUnit`: work units a price is quoted for.
	pub price_unit: u64,
	pub throughput: u64,
	pub reputation_ppm: u32,
	pub last_heartbeat: u32,
	pub jailed_until: Option<u32>,
}

impl Provider {
	/// The row for provider `stash` as the staking pallet stores it.
	pub fn of(stash: &AccountId, p: &reads::Provider, price_unit: u64) -> Self {
		Provider {
			stash: ss58(stash),
			operator: ss58(&p.operator),
			endpoint: String::from_utf8_lossy(&p.endpoint).into_owned(),
			stake: p.active,
			status: match p.status {
				ProviderStatus::Active => "Active".into(),
				ProviderStatus::Draining => "Draining".into(),
			},
			kernels: p.profile.kernels.to_vec(),
			ask_price: p.profile.ask_price,
			price_unit,
			throughput: p.profile.throughput,
			reputation_ppm: p.reputation.value,
			last_heartbeat: p.last_heartbeat,
			jailed_until: p.jailed_until,
		}
	}
}

/// Every registered provider.
pub async fn providers(client: &Client) -> anyhow::Result<Vec<Provider>> {
	let at = client.finalized().await?;
	let unit = reads::price_unit(&at)?;
	let mut out: Vec<Provider> = reads::providers(&at)
		.await?
		.into_iter()
		.map(|(stash, p)| Provider::of(&stash, &p, unit))
		.collect();
	out.sort_by(|a, b| a.stash.cmp(&b.stash));
	Ok(out)
}

/// The BME state.
#[derive(Debug, Serialize)]
pub struct BmeStats {
	#[serde(flatten)]
	pub totals: aipin_primitives::bme::BmeStats<Balance>,
	pub epoch: u32,
	/// Nano-USD per AIP, if the oracle has a fresh price.
	pub price: Option<u128>,
	pub total_issuance: u128,
}

/// Reads the BME state.
pub async fn bme_stats(client: &Client) -> anyhow::Result<BmeStats> {
	let at = client.finalized().await?;
	let (s, epoch, price) = reads::bme_stats(&at).await?;
	Ok(BmeStats { totals: s, epoch, price, total_issuance: reads::total_issuance(&at).await? })
}
