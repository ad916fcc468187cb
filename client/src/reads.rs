//! Typed reads: storage items and view functions, decoded into the chain's own types.
//!
//! Every function reads at the block `at` it is given ([`crate::Client::finalized`] for the
//! latest finalized state), so several reads can see one consistent state.

use crate::{calls::arg, view, At, Error, Result, Unbounded};
use aipin_primitives::{
	bme::{BmeStats, EpochIndex, ProviderRewards},
	AccountId, Balance, BlockNumber, Credits, KernelId, KernelInfo, ModelId, ModelInfo, Nonce,
	OperatorTask, ProviderInfo, ProviderRisk, Quote, SlashId, SlashRecord, TaskId, TaskInfo,
	TaskInput,
};
use codec::{Decode, Encode};
use sp_runtime::DispatchError;
use subxt::utils::Static;

/// A task as the escrow pallet stores it.
pub type Task = TaskInfo<AccountId, BlockNumber, Unbounded>;
/// A task's input as the escrow pallet stores it.
pub type Input = TaskInput<Unbounded, Unbounded>;
/// A provider as the staking pallet stores it.
pub type Provider = ProviderInfo<AccountId, Balance, BlockNumber, Unbounded, Unbounded, Unbounded>;
/// A registered model as the models pallet stores it.
pub type Model = ModelInfo<AccountId, Balance, BlockNumber>;
/// Where a model's program stored off chain is fetched from, as read from the chain.
pub type ProgramUrl = aipin_primitives::RemoteProgram<Unbounded>;
/// A slash record as the slashing pallet stores it.
pub type Slash = SlashRecord<AccountId, Balance, BlockNumber>;
/// An account as `frame_system` stores it.
pub type AccountInfo = frame_system::AccountInfo<Nonce, pallet_balances::AccountData<Balance>>;

/// Storage item `pallet.entry` at `key`.
async fn get<K: Encode + Decode + Clone, V: Decode>(
	at: &At,
	pallet: &str,
	entry: &str,
	key: &K,
) -> Result<Option<V>> {
	let addr = subxt::dynamic::storage::<(Static<K>,), Static<V>>(pallet, entry);
	match at.storage().try_fetch(addr, (Static(key.clone()),)).await? {
		Some(v) => Ok(Some(v.decode()?.0)),
		None => Ok(None),
	}
}

/// Storage value `pallet.entry` (no key), or its default.
async fn value<V: Decode>(at: &At, pallet: &str, entry: &str) -> Result<V> {
	let addr = subxt::dynamic::storage::<(), Static<V>>(pallet, entry);
	Ok(at.storage().fetch(addr, ()).await?.decode()?.0)
}

/// Every entry of map `pallet.entry` whose key is stored in the clear (`Twox64Concat`,
/// `Blake2_128Concat`).
async fn all<K: Encode + Decode, V: Decode>(
	at: &At,
	pallet: &str,
	entry: &str,
) -> Result<Vec<(K, V)>> {
	let addr = subxt::dynamic::storage::<(Static<K>,), Static<V>>(pallet, entry);
	let mut entries = at.storage().iter(addr, ()).await?;
	let mut out = Vec::new();
	while let Some(kv) = entries.next().await {
		let kv = kv?;
		let (key,) = kv.key()?.decode()?;
		out.push((key.0, kv.value().decode()?.0));
	}
	Ok(out)
}

/// Task `id`, unless unknown or pruned.
pub async fn task(at: &At, id: TaskId) -> Result<Option<Task>> {
	get(at, "Escrow", "Tasks", &id).await
}

/// The input of unfinished task `id`.
pub async fn task_input(at: &At, id: TaskId) -> Result<Option<Input>> {
	view(at, "Escrow", "task_input", vec![arg(&id)]).await
}

/// The tasks `operator` must act on, with what to do and by when.
pub async fn operator_tasks(
	at: &At,
	operator: &AccountId,
) -> Result<Vec<OperatorTask<BlockNumber>>> {
	view(at, "Escrow", "operator_tasks", vec![arg(operator)]).await
}

/// Kernel `id` of the registry.
pub async fn kernel(at: &At, id: KernelId) -> Result<Option<KernelInfo>> {
	get(at, "Escrow", "Kernels", &id).await
}

/// Every registered kernel, by id.
pub async fn kernels(at: &At) -> Result<Vec<(KernelId, KernelInfo)>> {
	let mut all = all::<KernelId, KernelInfo>(at, "Escrow", "Kernels").await?;
	all.sort_by_key(|(id, _)| *id);
	Ok(all)
}

/// Registered model `id`.
pub async fn model(at: &At, id: &ModelId) -> Result<Option<Model>> {
	get(at, "Models", "Models", id).await
}

/// Every registered model, by kernel id.
pub async fn models(at: &At) -> Result<Vec<(ModelId, Model)>> {
	let mut all = all::<ModelId, Model>(at, "Models", "Models").await?;
	all.sort_by_key(|(_, m)| m.kernel);
	Ok(all)
}

/// The program bytes of registered model `id`, if they are stored on chain.
pub async fn program(at: &At, id: &ModelId) -> Result<Option<Vec<u8>>> {
	get::<ModelId, Vec<u8>>(at, "Models", "Programs", id).await
}

/// Where each model stored off chain is fetched from.
pub async fn program_urls(at: &At) -> Result<Vec<(ModelId, ProgramUrl)>> {
	all::<ModelId, ProgramUrl>(at, "Models", "ProgramUrls").await
}

/// Where the program of registered model `id` is fetched from, if it is stored off chain.
pub async fn program_url(at: &At, id: &ModelId) -> Result<Option<ProgramUrl>> {
	get(at, "Models", "ProgramUrls", id).await
}

/// The block canary seal `seal` was posted in, while it is unused.
pub async fn canary_seal(at: &At, seal: &[u8; 32]) -> Result<Option<BlockNumber>> {
	get(at, "Escrow", "CanarySeals", seal).await
}

/// What a task would cost, or the pallet error that refuses it (named from the metadata).
pub async fn quote(
	at: &At,
	kernel: KernelId,
	params: &[u32],
	replication: u8,
	max_price: Credits,
) -> Result<Result<Quote, String>> {
	let args = vec![arg(&kernel), arg(params), arg(&replication), arg(&max_price)];
	let q: core::result::Result<Quote, DispatchError> = view(at, "Escrow", "quote", args).await?;
	Ok(q.map_err(|e| dispatch_error(at, &e)))
}

/// A provider's (stash) tasks in flight and its next deadline.
pub async fn provider_risk(at: &At, stash: &AccountId) -> Result<ProviderRisk<BlockNumber>> {
	view(at, "Escrow", "provider_risk", vec![arg(stash)]).await
}

/// Provider `stash`.
pub async fn provider(at: &At, stash: &AccountId) -> Result<Option<Provider>> {
	get(at, "Staking", "Providers", stash).await
}

/// Every registered provider, by stash.
pub async fn providers(at: &At) -> Result<Vec<(AccountId, Provider)>> {
	let mut all = all::<AccountId, Provider>(at, "Staking", "Providers").await?;
	all.sort_by(|a, b| a.0.cmp(&b.0));
	Ok(all)
}

/// The stash whose operator key is `operator`.
pub async fn stash_of(at: &At, operator: &AccountId) -> Result<Option<AccountId>> {
	get(at, "Staking", "Operators", operator).await
}

/// Free and reserved credits of `who`.
pub async fn credits_of(at: &At, who: &AccountId) -> Result<(Credits, Credits)> {
	view(at, "Bme", "credits_of", vec![arg(who)]).await
}

/// What provider `stash` can claim now, in planck.
pub async fn claimable_rewards(at: &At, stash: &AccountId) -> Result<Balance> {
	view(at, "Bme", "claimable_rewards", vec![arg(stash)]).await
}

/// Provider `stash`'s rewards by epoch: each finished epoch it has not claimed, what is settled
/// but not minted, and its verified work in the epoch in progress.
pub async fn rewards_of(at: &At, stash: &AccountId) -> Result<ProviderRewards<Balance>> {
	view(at, "Bme", "rewards_of", vec![arg(stash)]).await
}

/// Provider `stash`'s slashes still pending (cancellable by governance until applied), oldest
/// first.
pub async fn pending_slashes(at: &At, stash: &AccountId) -> Result<Vec<(SlashId, Slash)>> {
	view(at, "Slashing", "pending_slashes", vec![arg(stash)]).await
}

/// The BME counters, the current epoch and the effective price (nano-USD per AIP), if fresh.
pub async fn bme_stats(at: &At) -> Result<(BmeStats<Balance>, EpochIndex, Option<u128>)> {
	view(at, "Bme", "bme_stats", Vec::new()).await
}

/// Total issuance of AIP, in planck.
pub async fn total_issuance(at: &At) -> Result<Balance> {
	value(at, "Balances", "TotalIssuance").await
}

/// Account `who` (nonce and balances); the default for an account that does not exist.
pub async fn account(at: &At, who: &AccountId) -> Result<AccountInfo> {
	Ok(get(at, "System", "Account", who).await?.unwrap_or_default())
}

/// The weight of normal-class extrinsics dispatched in the block so far (at its end: all of
/// it): (ref time in ps, proof size in bytes).
pub async fn block_weight(at: &At) -> Result<(u64, u64)> {
	// `frame_system::ConsumedWeight`: normal, operational, mandatory (its fields are private).
	type PerClass = (sp_runtime::Weight, sp_runtime::Weight, sp_runtime::Weight);
	let (normal, _, _): PerClass = value(at, "System", "BlockWeight").await?;
	Ok((normal.ref_time(), normal.proof_size()))
}

/// The chain's `Escrow.PriceUnit`: the work units a price (an ask, a `max_price`) is quoted for.
pub fn price_unit(at: &At) -> Result<u64> {
	constant(at.metadata_ref(), "Escrow", "PriceUnit")
}

/// A constant of the runtime's metadata (`pallet.name`), decoded as `T`.
pub fn constant<T: Decode>(md: &subxt::Metadata, pallet: &str, name: &str) -> Result<T> {
	let c = md
		.pallet_by_name(pallet)
		.and_then(|p| p.constant_by_name(name))
		.ok_or_else(|| Error::Metadata(format!("no constant {pallet}.{name}")))?;
	T::decode(&mut c.value()).map_err(|e| Error::Decode {
		what: format!("constant {pallet}.{name}"),
		why: e.to_string(),
	})
}

/// The bounds `escrow.submit_task` is decoded with, from metadata. An argument over one makes
/// the transaction undecodable: the node rejects it with an opaque verification error rather
/// than a module error, so clients check these before signing ([`SubmitBounds::check`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubmitBounds {
	/// `Escrow.MaxParams`.
	pub max_params: u32,
	/// `Escrow.MaxInlineInput`, bytes.
	pub max_inline: u32,
	/// `Escrow.MaxUrlLen`, bytes.
	pub max_url: u32,
}

impl SubmitBounds {
	/// Reads them at `at`.
	pub fn read(at: &At) -> Result<Self> {
		Self::of(at.metadata_ref())
	}

	/// Reads them from `md`.
	pub fn of(md: &subxt::Metadata) -> Result<Self> {
		Ok(Self {
			max_params: constant(md, "Escrow", "MaxParams")?,
			max_inline: constant(md, "Escrow", "MaxInlineInput")?,
			max_url: constant(md, "Escrow", "MaxUrlLen")?,
		})
	}

	/// Whether a task with `params` and `input` fits; the error names the bound broken.
	pub fn check(&self, params: &[u32], input: &Input) -> core::result::Result<(), String> {
		if params.len() > self.max_params as usize {
			return Err(format!(
				"{} parameters; the chain takes at most {} (Escrow.MaxParams)",
				params.len(),
				self.max_params
			));
		}
		match input {
			TaskInput::Inline(b) if b.len() > self.max_inline as usize => Err(format!(
				"the input is {} bytes; inline inputs are at most {} (Escrow.MaxInlineInput): \
				 serve it over http(s) and give its URL",
				b.len(),
				self.max_inline
			)),
			TaskInput::External { url, .. } if url.len() > self.max_url as usize => Err(format!(
				"the URL is {} bytes; the chain takes at most {} (Escrow.MaxUrlLen)",
				url.len(),
				self.max_url
			)),
			_ => Ok(()),
		}
	}
}

/// The bounds a model's registration is decoded and checked with, from metadata: a program up
/// to `max_program` bytes is stored on chain (`Models.register`); a longer one, up to
/// `max_fetched`, is registered by URL (`Models.register_by_url`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelBounds {
	/// `Models.MaxProgramBytes`.
	pub max_program: u32,
	/// `Models.MaxFetchedProgramBytes`.
	pub max_fetched: u32,
	/// `Models.MaxUrlBytes`.
	pub max_url: u32,
}

impl ModelBounds {
	/// Reads them at `at`.
	pub fn read(at: &At) -> Result<Self> {
		Self::of(at.metadata_ref())
	}

	/// Reads them from `md`.
	pub fn of(md: &subxt::Metadata) -> Result<Self> {
		Ok(Self {
			max_program: constant(md, "Models", "MaxProgramBytes")?,
			max_fetched: constant(md, "Models", "MaxFetchedProgramBytes")?,
			max_url: constant(md, "Models", "MaxUrlBytes")?,
		})
	}

	/// Whether a program of `bytes` bytes can be registered, on chain (`url` is `None`) or by
	/// `url`; the error names the bound broken and what to do instead.
	pub fn check(&self, bytes: usize, url: Option<&str>) -> core::result::Result<(), String> {
		match url {
			None if bytes > self.max_program as usize => Err(format!(
				"the program is {bytes} bytes; the chain stores at most {} (Models.MaxProgramBytes): \
				 serve the compiled program (`aipin model compile FILE -o FILE.aiq`) over \
				 http(s) and register it with --url URL",
				self.max_program
			)),
			Some(_) if bytes > self.max_fetched as usize => Err(format!(
				"the program is {bytes} bytes; a program fetched by URL is at most {} \
				 (Models.MaxFetchedProgramBytes)",
				self.max_fetched
			)),
			Some(url) if url.len() > self.max_url as usize => Err(format!(
				"the URL is {} bytes; the chain takes at most {} (Models.MaxUrlBytes)",
				url.len(),
				self.max_url
			)),
			Some(url) if !aipin_primitives::is_fetchable_url(url.as_bytes()) => Err(format!(
				"{url:?} is not a URL providers can fetch (http:// or https://, no spaces)"
			)),
			_ => Ok(()),
		}
	}
}

/// A dispatch error in words: `Pallet.Error` for module errors (names from the metadata).
pub fn dispatch_error(at: &At, e: &DispatchError) -> String {
	if let DispatchError::Module(m) = e {
		let md = at.metadata_ref();
		if let Some(p) = md.pallet_by_error_index(m.index) {
			if let Some(v) = p.error_variant_by_index(m.error[0]) {
				return format!("{}.{}", p.name(), v.name);
			}
		}
	}
	format!("{e:?}")
}

impl From<DispatchError> for Error {
	fn from(e: DispatchError) -> Self {
		Error::Runtime(format!("{e:?}"))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use scale_info::TypeInfo;
	use subxt::Metadata;

	fn metadata() -> Metadata {
		// Reading the metadata calls host functions: it needs externalities.
		let prefixed =
			sp_io::TestExternalities::default().execute_with(aipin_runtime::Runtime::metadata);
		Metadata::decode(&mut &prefixed.encode()[..]).expect("the runtime's metadata decodes")
	}

	/// The path (`aipin_primitives::task::TaskInfo`, ...) of the type stored at `pallet.entry`
	/// is the path of the type this client decodes it as.
	fn stores<T: TypeInfo + 'static>(md: &Metadata, pallet: &str, entry: &str) {
		let e = md
			.pallet_by_name(pallet)
			.and_then(|p| p.storage())
			.and_then(|s| s.entry_by_name(entry))
			.unwrap_or_else(|| panic!("no storage {pallet}.{entry}"));
		let stored = md.types().resolve(e.value_ty()).expect("type in registry");
		let ours = T::type_info();
		assert_eq!(stored.path.segments, ours.path.segments, "{pallet}.{entry}");
		assert!(!ours.path.segments.is_empty() || stored.path.segments.is_empty());
	}

	#[test]
	fn storage_reads_decode_the_runtimes_own_types() {
		let md = metadata();
		stores::<Task>(&md, "Escrow", "Tasks");
		stores::<Input>(&md, "Escrow", "TaskInputs");
		stores::<KernelInfo>(&md, "Escrow", "Kernels");
		stores::<Model>(&md, "Models", "Models");
		stores::<ProgramUrl>(&md, "Models", "ProgramUrls");
		stores::<Provider>(&md, "Staking", "Providers");
		stores::<AccountId>(&md, "Staking", "Operators");
		stores::<AccountInfo>(&md, "System", "Account");
		stores::<frame_system::ConsumedWeight>(&md, "System", "BlockWeight");
	}

	#[test]
	fn submit_bounds_come_from_metadata_and_name_the_bound_broken() {
		let b = SubmitBounds::of(&metadata()).expect("the escrow's constants");
		assert_eq!(b, SubmitBounds { max_params: 8, max_inline: 64 * 1024, max_url: 256 });
		let seeded = Input::Seeded { seed: [0; 32] };
		assert_eq!(b.check(&[1; 8], &seeded), Ok(()));
		assert!(b.check(&[1; 9], &seeded).unwrap_err().contains("Escrow.MaxParams"));
		let inline = |n: usize| Input::Inline(vec![0; n].try_into().unwrap());
		assert_eq!(b.check(&[], &inline(64 * 1024)), Ok(()));
		assert!(b.check(&[], &inline(64 * 1024 + 1)).unwrap_err().contains("MaxInlineInput"));
		let url = |n: usize| Input::External {
			url: vec![b'x'; n].try_into().unwrap(),
			hash: [0; 32],
			size: 1,
		};
		assert_eq!(b.check(&[], &url(256)), Ok(()));
		assert!(b.check(&[], &url(257)).unwrap_err().contains("Escrow.MaxUrlLen"));
	}

	#[test]
	fn model_bounds_come_from_metadata_and_say_when_a_url_is_needed() {
		let b = ModelBounds::of(&metadata()).expect("the models pallet's constants");
		assert_eq!(b, ModelBounds { max_program: 1 << 20, max_fetched: 96 << 20, max_url: 256 });
		assert_eq!(b.check(1 << 20, None), Ok(()));
		assert!(b.check((1 << 20) + 1, None).unwrap_err().contains("--url"));
		let at = "https://models.example/big.aiq";
		assert_eq!(b.check(5 << 20, Some(at)), Ok(()));
		assert!(b.check((96 << 20) + 1, Some(at)).unwrap_err().contains("MaxFetchedProgramBytes"));
		assert!(b.check(5, Some(&"x".repeat(257))).unwrap_err().contains("Models.MaxUrlBytes"));
		assert!(b.check(5, Some("ftp://models.example/m")).is_err());
	}
}
