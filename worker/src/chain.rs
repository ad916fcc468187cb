//! The worker's view of the chain: typed reads of the escrow and staking pallets through
//! storage and view functions (decoded from metadata, no generated code), and signed
//! extrinsics with a locally tracked nonce.

use subxt::{
	dynamic::{self, Value},
	ext::scale_decode::{self, DecodeAsType},
	OnlineClient, SubstrateConfig,
};
use subxt_signer::sr25519::Keypair;

pub type Api = OnlineClient<SubstrateConfig>;

#[derive(Clone, Copy, Debug, DecodeAsType, PartialEq, Eq)]
#[decode_as_type(crate_path = "scale_decode")]
pub enum Reason {
	Completed,
	ResolvedByMajority,
	ResolvedByTiebreak,
	Cancelled,
	ExpiredNoProvider,
	FailedProviderFault,
	FailedNoConsensus,
}

#[derive(Clone, Copy, Debug, DecodeAsType, PartialEq, Eq)]
#[decode_as_type(crate_path = "scale_decode")]
pub enum Phase {
	Queued { expires: u32 },
	Commit { ends: u32 },
	Reveal { ends: u32 },
	Finished { reason: Reason, at: u32 },
}

#[derive(Clone, Copy, Debug, DecodeAsType, PartialEq, Eq)]
#[decode_as_type(crate_path = "scale_decode")]
pub enum Offence {
	WrongResult,
	InvalidReveal,
	MissedCommit,
	MissedReveal,
	FailedCanary,
}

#[derive(Clone, Copy, Debug, DecodeAsType, PartialEq, Eq)]
#[decode_as_type(crate_path = "scale_decode")]
pub enum Slot {
	Assigned,
	Committed([u8; 32]),
	Revealed([u8; 32]),
	Faulted(Offence),
}

/// `Escrow::operator_tasks` entries.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct OperatorTask {
	pub task: u64,
	pub kernel: u32,
	pub phase: Phase,
	pub slot: Slot,
	pub act_by: Option<u32>,
}

#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct Task {
	pub consumer: [u8; 32],
	pub kernel: u32,
	pub params: Vec<u32>,
	pub input_bytes: u64,
	pub output_bytes: u64,
	pub deadline: u32,
	pub phase: Phase,
	pub result_root: Option<[u8; 32]>,
}

#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub enum TaskInput {
	Inline(Vec<u8>),
	Seeded { seed: [u8; 32] },
	External { url: Vec<u8>, hash: [u8; 32], size: u64 },
}

#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct KernelSpec {
	pub wgsl_hash: [u8; 32],
}

#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct KernelInfo {
	pub spec: KernelSpec,
	pub deprecated: bool,
}

/// A connection plus the operator's signing key and nonce.
pub struct Chain {
	pub api: Api,
	rpc: subxt::rpcs::LegacyRpcMethods<subxt::config::RpcConfigFor<SubstrateConfig>>,
	pub operator: Keypair,
	nonce: Option<u64>,
}

/// Calls view function `pallet.name(args)` at `at` (the latest finalized block if `None`).
///
/// subxt 0.50.3's `view_functions().call()` sends the query id followed by the bare arguments
/// and decodes the reply as the bare output, but the runtime API (`RuntimeViewFunction::
/// execute_view_function(id, input: Vec<u8>) -> Result<Vec<u8>, _>`) takes the arguments as a
/// length-prefixed `Vec<u8>` and wraps its reply in a `Result`: the runtime fails to decode
/// the call. This helper encodes and decodes what the runtime API actually declares.
pub async fn view<A, R>(
	api: &Api,
	at: Option<subxt::utils::H256>,
	pallet: &str,
	name: &str,
	args: A,
) -> anyhow::Result<R>
where
	subxt::view_functions::DynamicPayload<A, R>: subxt::view_functions::Payload,
	R: DecodeAsType,
{
	use subxt::ext::codec::{Decode, Encode};
	let at = match at {
		Some(h) => api.at_block(h).await?,
		None => api.at_current_block().await?,
	};
	let payload = subxt::view_functions::dynamic::<A, R>(pallet, name, args);
	let raw = at.view_functions().encode_args(payload)?;
	anyhow::ensure!(raw.len() >= 32, "view function {pallet}.{name}: short query");
	let (id, input) = raw.split_at(32);
	let mut params = id.to_vec();
	input.to_vec().encode_to(&mut params);
	let reply = at.view_functions().call_raw(Some(&params)).await?;
	let mut cursor = &reply[..];
	let tag = u8::decode(&mut cursor)?;
	anyhow::ensure!(tag == 0, "view function {pallet}.{name} failed in the runtime");
	let output = Vec::<u8>::decode(&mut cursor)?;
	let metadata = at.metadata();
	let ty = metadata
		.pallet_by_name(pallet)
		.and_then(|p| p.view_function_by_name(name))
		.ok_or_else(|| anyhow::anyhow!("the runtime has no view function {pallet}.{name}"))?
		.output_ty();
	Ok(R::decode_as_type(&mut &output[..], ty, metadata.types())?)
}

impl Chain {
	pub async fn connect(url: &str, operator: Keypair) -> anyhow::Result<Self> {
		let rpc_client = subxt::rpcs::RpcClient::from_insecure_url(url).await?;
		let api = Api::from_rpc_client(rpc_client.clone()).await?;
		let rpc = subxt::rpcs::LegacyRpcMethods::new(rpc_client);
		Ok(Self { api, rpc, operator, nonce: None })
	}

	pub fn operator_id(&self) -> [u8; 32] {
		self.operator.public_key().0
	}

	/// The stash of the provider this operator key signs for.
	pub async fn stash(&self) -> anyhow::Result<Option<[u8; 32]>> {
		let at = self.api.at_current_block().await?;
		let addr = dynamic::storage::<([u8; 32],), [u8; 32]>("Staking", "Operators");
		match at.storage().try_fetch(addr, (self.operator_id(),)).await? {
			Some(v) => Ok(Some(v.decode()?)),
			None => Ok(None),
		}
	}

	pub async fn operator_tasks(
		&self,
		at_hash: subxt::utils::H256,
	) -> anyhow::Result<Vec<OperatorTask>> {
		view(&self.api, Some(at_hash), "Escrow", "operator_tasks", (self.operator_id(),)).await
	}

	pub async fn task(&self, id: u64) -> anyhow::Result<Option<Task>> {
		let at = self.api.at_current_block().await?;
		let addr = dynamic::storage::<(u64,), Task>("Escrow", "Tasks");
		match at.storage().try_fetch(addr, (id,)).await? {
			Some(v) => Ok(Some(v.decode()?)),
			None => Ok(None),
		}
	}

	pub async fn task_input(&self, id: u64) -> anyhow::Result<Option<TaskInput>> {
		view(&self.api, None, "Escrow", "task_input", (id,)).await
	}

	pub async fn kernel(&self, id: u32) -> anyhow::Result<Option<KernelInfo>> {
		view(&self.api, None, "Escrow", "kernel", (id,)).await
	}

	/// The next nonce: the pool-aware `system_accountNextIndex` the first time (and after any
	/// submission error), then counted locally.
	async fn next_nonce(&mut self) -> anyhow::Result<u64> {
		let n = match self.nonce {
			Some(n) => n,
			None => {
				let id = self.operator.public_key().to_account_id();
				self.rpc.system_account_next_index(&id).await?
			},
		};
		self.nonce = Some(n + 1);
		Ok(n)
	}

	/// Signs and submits `pallet.call(args)` with the operator key; returns once the pool has
	/// accepted it (inclusion is observed through the chain state, not awaited here).
	pub async fn send(&mut self, pallet: &str, call: &str, args: Vec<Value>) -> anyhow::Result<()> {
		let nonce = self.next_nonce().await?;
		let tx = dynamic::transaction(pallet, call, args);
		let params = subxt::config::DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new()
			.nonce(nonce)
			.mortal(64)
			.build();
		let at = self.api.at_current_block().await?;
		match at.transactions().sign_and_submit(&tx, &self.operator, params).await {
			Ok(_) => Ok(()),
			Err(e) => {
				// Resynchronise from the pool next time (stale or future nonce, dropped tx).
				self.nonce = None;
				Err(anyhow::anyhow!("{pallet}.{call} (nonce {nonce}) refused: {e}"))
			},
		}
	}
}
