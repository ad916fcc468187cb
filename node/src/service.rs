//! Assembles the node: client, database, transaction pool, networking, RPC, and either
//! Aura + GRANDPA (the real consensus) or a single-node dev-seal mode for tests and demos.

use std::{sync::Arc, time::Duration};

use aipin_runtime::{apis::RuntimeApi, opaque::Block, Hash};
use futures::{FutureExt, StreamExt};
use sc_client_api::{Backend, BlockBackend, StorageProvider};
use sc_consensus_aura::{ImportQueueParams, SlotProportion, StartAuraParams};
use sc_consensus_grandpa::SharedVoterState;
use sc_consensus_manual_seal::{consensus::aura::AuraConsensusDataProvider, EngineCommand};
use sc_service::{error::Error as ServiceError, Configuration, TaskManager, WarpSyncConfig};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::{OffchainTransactionPoolFactory, TransactionPool};
use sp_consensus_aura::sr25519::AuthorityPair as AuraPair;
use sp_core::storage::StorageKey;

use crate::cli::Sealing;

pub(crate) type FullClient = sc_service::TFullClient<
	Block,
	RuntimeApi,
	sc_executor::WasmExecutor<sp_io::SubstrateHostFunctions>,
>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type GrandpaBlockImport =
	sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>;
type GrandpaLinkHalf = sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>;

/// Blocks between GRANDPA justifications that every node stores (for warp sync and light
/// clients).
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// The parts of the node built before networking.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	sc_transaction_pool::TransactionPoolHandle<Block, FullClient>,
	(Option<(GrandpaBlockImport, GrandpaLinkHalf)>, Option<Telemetry>),
>;

/// Builds the client, database, pool and import queue. With `Sealing::Aura` the import queue
/// checks Aura seals and feeds GRANDPA; with a dev-seal mode it accepts the node's own blocks.
pub fn new_partial(config: &Configuration, sealing: Sealing) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|x| !x.is_empty())
		.map(|endpoints| -> Result<_, sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<sp_io::SubstrateHostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			Vec::new(),
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let (import_queue, grandpa) = match sealing {
		Sealing::Aura => {
			let (grandpa_block_import, grandpa_link) = sc_consensus_grandpa::block_import(
				client.clone(),
				GRANDPA_JUSTIFICATION_PERIOD,
				&client,
				select_chain.clone(),
				telemetry.as_ref().map(|x| x.handle()),
			)?;

			let cidp_client = client.clone();
			let import_queue = sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(
				ImportQueueParams {
					block_import: grandpa_block_import.clone(),
					justification_import: Some(Box::new(grandpa_block_import.clone())),
					client: client.clone(),
					create_inherent_data_providers: move |parent_hash, _| {
						let cidp_client = cidp_client.clone();
						async move {
							let slot_duration = sc_consensus_aura::standalone::slot_duration_at(
								&*cidp_client,
								parent_hash,
							)?;
							let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
							let slot = sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
								*timestamp,
								slot_duration,
							);
							Ok((slot, timestamp))
						}
					},
					spawner: &task_manager.spawn_essential_handle(),
					registry: config.prometheus_registry(),
					check_for_equivocation: Default::default(),
					telemetry: telemetry.as_ref().map(|x| x.handle()),
					compatibility_mode: Default::default(),
				},
			)?;
			(import_queue, Some((grandpa_block_import, grandpa_link)))
		},
		Sealing::Instant | Sealing::Interval(_) | Sealing::Manual => {
			let import_queue = sc_consensus_manual_seal::import_queue(
				Box::new(client.clone()),
				&task_manager.spawn_essential_handle(),
				config.prometheus_registry(),
			);
			(import_queue, None)
		},
	};

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (grandpa, telemetry),
	})
}

/// Builds and starts a full node.
pub fn new_full<
	N: sc_network::NetworkBackend<Block, <Block as sp_runtime::traits::Block>::Hash>,
>(
	mut config: Configuration,
	sealing: Sealing,
) -> Result<TaskManager, ServiceError> {
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (grandpa, mut telemetry),
	} = new_partial(&config, sealing)?;

	if sealing != Sealing::Aura {
		// A dev-seal node is a chain of one: it must not sync from, or announce to, anyone.
		config.network.default_peers_set.in_peers = 0;
		config.network.default_peers_set.out_peers = 0;
		config.network.boot_nodes.clear();
	}

	let mut net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as sp_runtime::traits::Block>::Hash,
		N,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = N::register_notification_metrics(config.prometheus_registry());

	let genesis_hash = client
		.block_hash(0)
		.ok()
		.flatten()
		.ok_or_else(|| ServiceError::Other("the genesis block is missing".into()))?;
	let grandpa_protocol_name =
		sc_consensus_grandpa::protocol_standard_name(&genesis_hash, &config.chain_spec);

	let mut grandpa_notification_service = None;
	let mut warp_sync_config = None;
	if let Some((_, grandpa_link)) = &grandpa {
		let (grandpa_protocol_config, notification_service) =
			sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
				grandpa_protocol_name.clone(),
				metrics.clone(),
				net_config.peer_store_handle(),
			);
		net_config.add_notification_protocol(grandpa_protocol_config);
		grandpa_notification_service = Some(notification_service);
		let warp_sync = Arc::new(sc_consensus_grandpa::warp_proof::NetworkProvider::new(
			backend.clone(),
			grandpa_link.shared_authority_set().clone(),
			Vec::default(),
		));
		warp_sync_config = Some(WarpSyncConfig::WithProvider(warp_sync));
	}

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config,
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	if config.offchain_worker.enabled {
		let offchain_workers =
			sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
				runtime_api_provider: client.clone(),
				is_validator: config.role.is_authority(),
				keystore: Some(keystore_container.keystore()),
				offchain_db: backend.offchain_storage(),
				transaction_pool: Some(OffchainTransactionPoolFactory::new(
					transaction_pool.clone(),
				)),
				network_provider: Arc::new(network.clone()),
				enable_http_requests: true,
				custom_extensions: |_| vec![],
			})?;
		task_manager.spawn_handle().spawn(
			"offchain-workers-runner",
			"offchain-worker",
			offchain_workers.run(client.clone(), task_manager.spawn_handle()).boxed(),
		);
	}

	let role = config.role;
	let force_authoring = config.force_authoring;
	let name = config.network.node_name.clone();
	let enable_grandpa = !config.disable_grandpa;
	let prometheus_registry = config.prometheus_registry().cloned();

	// `--sealing manual`: blocks are asked for over RPC, through this channel.
	let (manual_seal, engine_commands) = match sealing {
		Sealing::Manual => {
			let (tx, rx) = futures::channel::mpsc::channel(1024);
			(Some(tx), Some(rx))
		},
		_ => (None, None),
	};
	let rpc_extensions_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		Box::new(move |_| {
			let deps = crate::rpc::FullDeps {
				client: client.clone(),
				pool: pool.clone(),
				manual_seal: manual_seal.clone(),
			};
			crate::rpc::create_full(deps).map_err(Into::into)
		})
	};

	let _rpc_handlers = sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: network.clone(),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder: rpc_extensions_builder,
		backend: backend.clone(),
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	let proposer_factory = sc_basic_authorship::ProposerFactory::new(
		task_manager.spawn_handle(),
		client.clone(),
		transaction_pool.clone(),
		prometheus_registry.as_ref(),
		telemetry.as_ref().map(|x| x.handle()),
	);
	let slot_duration = sc_consensus_aura::slot_duration(&*client)?;

	let Some((block_import, grandpa_link)) = grandpa else {
		start_dev_seal(
			&task_manager,
			client,
			select_chain,
			transaction_pool,
			proposer_factory,
			slot_duration,
			sealing,
			engine_commands,
		);
		return Ok(task_manager);
	};

	if role.is_authority() {
		let aura = sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(
			StartAuraParams {
				slot_duration,
				client,
				select_chain,
				block_import,
				proposer_factory,
				create_inherent_data_providers: move |_, ()| async move {
					let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
					let slot = sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
						*timestamp,
						slot_duration,
					);
					Ok((slot, timestamp))
				},
				force_authoring,
				backoff_authoring_blocks: Option::<()>::None,
				keystore: keystore_container.keystore(),
				sync_oracle: sync_service.clone(),
				justification_sync_link: sync_service.clone(),
				block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
				max_block_proposal_slot_portion: None,
				telemetry: telemetry.as_ref().map(|x| x.handle()),
				compatibility_mode: Default::default(),
			},
		)?;
		// Block authoring is essential: if it fails, the node stops.
		task_manager.spawn_essential_handle().spawn_blocking("aura", Some("block-authoring"), aura);
	}

	if enable_grandpa {
		let notification_service = grandpa_notification_service
			.ok_or_else(|| ServiceError::Other("GRANDPA protocol was not registered".into()))?;
		// Only an authority votes; other nodes need no keystore for GRANDPA.
		let keystore = if role.is_authority() { Some(keystore_container.keystore()) } else { None };
		let grandpa_config = sc_consensus_grandpa::Config {
			gossip_duration: Duration::from_millis(333),
			justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
			name: Some(name),
			observer_enabled: false,
			keystore,
			local_role: role,
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			protocol_name: grandpa_protocol_name,
		};
		let grandpa_params = sc_consensus_grandpa::GrandpaParams {
			config: grandpa_config,
			link: grandpa_link,
			network,
			sync: sync_service,
			notification_service,
			voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
			prometheus_registry,
			shared_voter_state: SharedVoterState::empty(),
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool),
		};
		// The voter is essential too.
		task_manager.spawn_essential_handle().spawn_blocking(
			"grandpa-voter",
			None,
			sc_consensus_grandpa::run_grandpa_voter(grandpa_params)?,
		);
	}

	Ok(task_manager)
}

/// Storage key of `pallet_timestamp::Now`: `twox128("Timestamp") ++ twox128("Now")`.
fn timestamp_now_key() -> StorageKey {
	let mut key = sp_io::hashing::twox_128(b"Timestamp").to_vec();
	key.extend_from_slice(&sp_io::hashing::twox_128(b"Now"));
	StorageKey(key)
}

/// Starts the dev-seal block producer: blocks are sealed by this node alone and finalized at
/// once, either per transaction (`Sealing::Instant`) or on a timer (`Sealing::Interval`), or
/// on any parent and finalized only when asked over RPC (`Sealing::Manual`).
///
/// Each block's timestamp is `max(now, parent + slot_duration, last sealed + slot_duration)`,
/// so every block lands in a new Aura slot (the runtime's Aura pallet requires it), runtime
/// time never goes backwards, even when blocks come faster than the slot duration or the node
/// restarts, and a fork's block never equals one sealed before it.
fn start_dev_seal(
	task_manager: &TaskManager,
	client: Arc<FullClient>,
	select_chain: FullSelectChain,
	pool: Arc<sc_transaction_pool::TransactionPoolHandle<Block, FullClient>>,
	proposer_factory: sc_basic_authorship::ProposerFactory<
		sc_transaction_pool::TransactionPoolHandle<Block, FullClient>,
		FullClient,
	>,
	slot_duration: sp_consensus_aura::SlotDuration,
	sealing: Sealing,
	engine_commands: Option<futures::channel::mpsc::Receiver<EngineCommand<Hash>>>,
) {
	let seal_now = || EngineCommand::SealNewBlock {
		create_empty: true,
		finalize: true,
		parent_hash: None,
		sender: None,
	};
	let commands: futures::stream::BoxStream<'static, EngineCommand<_>> = match sealing {
		Sealing::Interval(ms) => {
			let period = Duration::from_millis(ms.get());
			let mut ticks = tokio::time::interval(period);
			ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
			futures::stream::unfold(ticks, move |mut ticks| async move {
				ticks.tick().await;
				Some((seal_now(), ticks))
			})
			.boxed()
		},
		Sealing::Manual => match engine_commands {
			Some(rx) => rx.boxed(),
			None => futures::stream::empty().boxed(),
		},
		_ => pool
			.import_notification_stream()
			.map(move |_| EngineCommand::SealNewBlock {
				create_empty: false,
				finalize: true,
				parent_hash: None,
				sender: None,
			})
			.boxed(),
	};

	let ts_client = client.clone();
	let slot_ms = slot_duration.as_millis();
	// The latest timestamp sealed on any parent: a block sealed on an older parent (a fork,
	// in `Sealing::Manual`) lands in a later slot than everything before it, as time would
	// have it, and so never repeats a block that exists already.
	let last_sealed = Arc::new(std::sync::atomic::AtomicU64::new(0));
	let create_inherent_data_providers = move |parent_hash, ()| {
		let ts_client = ts_client.clone();
		let last_sealed = last_sealed.clone();
		async move {
			let parent_ts = ts_client
				.storage(parent_hash, &timestamp_now_key())
				.ok()
				.flatten()
				.and_then(|data| <[u8; 8]>::try_from(data.0.as_slice()).ok())
				.map(u64::from_le_bytes)
				.unwrap_or(0);
			let now = sp_timestamp::Timestamp::current().as_millis();
			let last = last_sealed.load(std::sync::atomic::Ordering::SeqCst);
			let next = now.max(parent_ts.saturating_add(slot_ms)).max(last.saturating_add(slot_ms));
			last_sealed.fetch_max(next, std::sync::atomic::Ordering::SeqCst);
			Ok(sp_timestamp::InherentDataProvider::new(next.into()))
		}
	};

	let params = sc_consensus_manual_seal::ManualSealParams {
		block_import: client.clone(),
		env: proposer_factory,
		client,
		pool,
		select_chain,
		commands_stream: commands,
		consensus_data_provider: Some(Box::new(
			AuraConsensusDataProvider::<Block>::new_with_slot_duration(slot_duration),
		)),
		create_inherent_data_providers,
	};
	log::info!(target: "aipin", "🧪 dev-seal mode: {sealing:?} (no GRANDPA, no peers)");
	task_manager.spawn_essential_handle().spawn_blocking(
		"dev-seal",
		Some("block-authoring"),
		sc_consensus_manual_seal::run_manual_seal(params),
	);
}
