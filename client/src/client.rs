//! The connection: one subxt client and the legacy RPC methods beside it, and a local nonce
//! per signing account.

use crate::{calls::Call, Api, Error, Keypair, Result};
use std::{collections::HashMap, time::Duration};
use subxt::{
	config::RpcConfigFor, extrinsics::ExtrinsicEvents, rpcs::LegacyRpcMethods, utils::H256,
	SubstrateConfig,
};
use tokio::sync::Mutex;

/// The chain as it was at one block.
pub type At = subxt::client::ClientAtBlock<
	SubstrateConfig,
	subxt::client::OnlineClientAtBlockImpl<SubstrateConfig>,
>;

/// A signed transaction, ready to send.
pub type Signed = subxt::transactions::SubmittableTransaction<
	SubstrateConfig,
	subxt::client::OnlineClientAtBlockImpl<SubstrateConfig>,
>;

/// How long [`Client::connect`] waits for the node.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Blocks a transaction stays valid for.
const MORTALITY: u64 = 64;

/// A finalized, successful transaction.
pub struct Included {
	/// Block number it was included in.
	pub block: u64,
	/// That block's hash.
	pub hash: H256,
	/// Its events.
	pub events: ExtrinsicEvents<SubstrateConfig>,
	/// The chain at that block (its metadata decodes the events).
	pub at: At,
}

impl Included {
	/// Every event `E` the transaction emitted.
	pub fn find<E: crate::events::ChainEvent>(&self) -> Result<Vec<E>> {
		crate::events::find(self.events.iter(), self.at.metadata_ref())
	}
}

/// A connection to one node.
pub struct Client {
	url: String,
	api: Api,
	rpc: LegacyRpcMethods<RpcConfigFor<SubstrateConfig>>,
	/// The next nonce of each account that signed through this client.
	nonces: Mutex<HashMap<[u8; 32], u64>>,
}

impl Client {
	/// Connects to `url` (`ws://` or `wss://`), waiting at most 30 s; the error names the URL
	/// and the fix.
	pub async fn connect(url: &str) -> Result<Self> {
		let connect = async {
			let rpc = subxt::rpcs::RpcClient::from_insecure_url(url).await?;
			let api = Api::from_rpc_client(rpc.clone()).await?;
			Ok::<_, Error>((api, LegacyRpcMethods::new(rpc)))
		};
		match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
			Ok(Ok((api, rpc))) => {
				Ok(Self { url: url.to_string(), api, rpc, nonces: Mutex::new(HashMap::new()) })
			},
			Ok(Err(e)) => Err(Error::Connect { url: url.to_string(), why: e.to_string() }),
			Err(_) => Err(Error::Connect {
				url: url.to_string(),
				why: format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
			}),
		}
	}

	/// Connects to `url`, retrying every 500 ms for up to `patience` (a node that is starting).
	pub async fn connect_patiently(url: &str, patience: Duration) -> Result<Self> {
		let started = std::time::Instant::now();
		loop {
			match Self::connect(url).await {
				Ok(c) => return Ok(c),
				Err(e) if started.elapsed() >= patience => return Err(e),
				Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
			}
		}
	}

	/// Replaces the connection with a new one to the same node. Local nonces are forgotten:
	/// the next transaction of each account asks the node's pool again.
	pub async fn reconnect(&mut self) -> Result<()> {
		*self = Self::connect(&self.url).await?;
		Ok(())
	}

	/// The node's URL.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// The subxt client, for what this crate does not wrap.
	pub fn api(&self) -> &Api {
		&self.api
	}

	/// The chain's genesis hash.
	pub fn genesis_hash(&self) -> [u8; 32] {
		self.api.genesis_hash().0
	}

	/// The chain at its latest finalized block.
	pub async fn finalized(&self) -> Result<At> {
		Ok(self.api.at_current_block().await?)
	}

	/// The chain at the node's best block, as of now (not finalized: a re-org may retract it).
	pub async fn best(&self) -> Result<At> {
		let hash = self
			.rpc
			.chain_get_block_hash(None)
			.await?
			.ok_or_else(|| Error::Runtime("the node reports no best block".into()))?;
		self.at(hash).await
	}

	/// The chain at block `hash`.
	pub async fn at(&self, hash: H256) -> Result<At> {
		Ok(self.api.at_block(hash).await?)
	}

	/// The chain at block number `number` (of the finalized chain).
	pub async fn at_number(&self, number: u64) -> Result<At> {
		Ok(self.api.at_block(number).await?)
	}

	/// The latest finalized block number.
	pub async fn finalized_number(&self) -> Result<u64> {
		Ok(self.finalized().await?.block_number())
	}

	/// The next nonce of `key`: the pool-aware `system_accountNextIndex` the first time (and
	/// after any refusal), then counted locally, so transactions sent in a row do not collide
	/// on the nonce of the last finalized block.
	async fn next_nonce(&self, key: &Keypair) -> Result<u64> {
		let id = key.public_key().0;
		let mut nonces = self.nonces.lock().await;
		let n = match nonces.get(&id) {
			Some(n) => *n,
			None => self.rpc.system_account_next_index(&key.public_key().to_account_id()).await?,
		};
		nonces.insert(id, n + 1);
		Ok(n)
	}

	/// How many transactions of `key` wait in the node's pool, seen from block `at`: the
	/// pool-aware next nonce minus the account's nonce at `at`. Zero means that whatever `key`
	/// sent earlier is either in the chain up to `at` or gone from the pool (dropped, or
	/// retracted by a re-org and found invalid): what the chain state at `at` does not show
	/// will not arrive by itself. When nothing waits, the local nonce is set back to the
	/// chain's, so a dropped transaction leaves no gap that would hold later ones back.
	///
	/// Read `at` before anything is sent in the same step: a transaction sent afterwards is
	/// counted, and a newer best block only makes the count larger (never hides one).
	pub async fn pending(&self, at: &At, key: &Keypair) -> Result<u64> {
		let who = crate::account_of(key);
		let (on_chain, next) = tokio::try_join!(crate::reads::account(at, &who), async {
			Ok(self.rpc.system_account_next_index(&key.public_key().to_account_id()).await?)
		})?;
		let on_chain = on_chain.nonce as u64;
		let pending = next.saturating_sub(on_chain);
		if pending == 0 {
			self.nonces.lock().await.insert(key.public_key().0, next);
		}
		Ok(pending)
	}

	async fn forget_nonce(&self, key: &Keypair) {
		self.nonces.lock().await.remove(&key.public_key().0);
	}

	fn params(nonce: u64, tip: u128) -> subxt::config::ParamsFor<SubstrateConfig> {
		subxt::config::DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new()
			.nonce(nonce)
			.mortal(MORTALITY)
			.tip(tip)
			.build()
	}

	/// Signs `calls` from `key` with consecutive local nonces, offline: no round trip per
	/// transaction. They are immortal (an offline signer has no block to anchor them to);
	/// send them with [`Signed::submit`].
	pub async fn sign_offline(&self, key: &Keypair, calls: &[Call]) -> Result<Vec<Signed>> {
		let at = self.finalized().await?;
		let txs = at.transactions();
		let mut out = Vec::with_capacity(calls.len());
		for call in calls {
			let nonce = self.next_nonce(key).await?;
			let params = subxt::config::DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new()
				.nonce(nonce)
				.build();
			let payload = call.payload();
			out.push(txs.create_signable_offline(&payload, params)?.sign(key)?);
		}
		Ok(out)
	}

	/// The weight the runtime declares for `call` signed by `key`, as
	/// `TransactionPaymentApi::query_info` reports it: (ref time in ps, proof size in bytes).
	pub async fn declared_weight(&self, key: &Keypair, call: &Call) -> Result<(u64, u64)> {
		use codec::{Compact, Decode, Encode};
		let at = self.finalized().await?;
		let params =
			subxt::config::DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new().nonce(0).build();
		let tx = at.transactions().create_signed(&call.payload(), key, params).await?;
		let mut args = tx.encoded().to_vec();
		(tx.encoded().len() as u32).encode_to(&mut args);
		let raw =
			at.runtime_apis().call_raw("TransactionPaymentApi_query_info", Some(&args)).await?;
		let mut cur = &raw[..];
		let ref_time = Compact::<u64>::decode(&mut cur)?.0;
		let proof = Compact::<u64>::decode(&mut cur)?.0;
		Ok((ref_time, proof))
	}

	/// The SCALE call data of `call` (`pallet index ‖ call index ‖ arguments`), as another call
	/// (`Sudo.sudo`, a batch) embeds it.
	pub async fn call_data(&self, call: &Call) -> Result<Vec<u8>> {
		let at = self.finalized().await?;
		Ok(at.transactions().call_data(&call.payload())?)
	}

	/// Signs `call` with `key` and hands it to the node's pool; returns once the pool accepted
	/// it. Inclusion is for the caller to observe (the worker reads it from chain state).
	pub async fn send(&self, key: &Keypair, call: &Call) -> Result<()> {
		self.send_at(&self.finalized().await?, key, call).await
	}

	/// [`Self::send`], with the transaction's mortality anchored at block `at` (the block the
	/// caller is already looking at: no round trip to find one). Anchored at a block that a
	/// re-org retracts, the transaction becomes invalid and leaves the pool, which
	/// [`Self::pending`] then shows.
	pub async fn send_at(&self, at: &At, key: &Keypair, call: &Call) -> Result<()> {
		self.send_tipped(at, key, call, 0).await
	}

	/// [`Self::send_at`] with a `tip` (planck) on top of the fee: a transaction's priority in
	/// the pool and in block building grows with its tip, so a tipped one is kept, and included
	/// first, when the pool is full of untipped ones.
	pub async fn send_tipped(&self, at: &At, key: &Keypair, call: &Call, tip: u128) -> Result<()> {
		let nonce = self.next_nonce(key).await?;
		let params = Self::params(nonce, tip);
		match at.transactions().sign_and_submit(&call.payload(), key, params).await {
			Ok(_) => Ok(()),
			Err(e) => {
				// Resynchronise from the pool next time (stale or future nonce, dropped tx).
				self.forget_nonce(key).await;
				Err(Error::Refused {
					call: format!("{} (nonce {nonce})", call.name()),
					why: e.to_string(),
				})
			},
		}
	}

	/// Signs `call` with `key`, waits until it is finalized and returns its block and events;
	/// a failed dispatch is an error naming the pallet error.
	pub async fn submit(&self, key: &Keypair, call: &Call) -> Result<Included> {
		let nonce = self.next_nonce(key).await?;
		let at = self.finalized().await?;
		let progress = match at
			.transactions()
			.sign_and_submit_then_watch(&call.payload(), key, Self::params(nonce, 0))
			.await
		{
			Ok(p) => p,
			Err(e) => {
				self.forget_nonce(key).await;
				return Err(Error::Refused { call: call.name(), why: e.to_string() });
			},
		};
		let in_block = progress
			.wait_for_finalized()
			.await
			.map_err(|e| Error::Failed { call: call.name(), why: format!("not finalized: {e}") })?;
		let hash = in_block.block_hash();
		let events = in_block
			.wait_for_success()
			.await
			.map_err(|e| Error::Failed { call: call.name(), why: e.to_string() })?;
		let at = self.at(hash).await?;
		Ok(Included { block: at.block_number(), hash, events, at })
	}
}
