//! `aipin`: the AiPIN consumer CLI. Buys credits, submits tasks and follows them to
//! settlement, downloads and verifies results, reads kernels, providers and the BME state.
//! Human output by default; `--json` prints one JSON document per command on stdout.
//!
//! A thin user of `aipin-client`: it builds without the GPU stack.

mod args;
mod canary;
mod market;
mod model;
mod output;
mod provider;
mod task;

use aipin_client::{
	calls, events,
	keys::{self, Secret},
	reads,
	units::{fmt_aip, fmt_price, parse_account, parse_aip, ss58},
	Client, Keypair,
};
use aipin_primitives::AccountId;
use args::{BmeCmd, Cli, Command, CreditsCmd, ModelCmd, ProviderCmd, TaskCmd};
use clap::Parser;
use output::{emit, write_file};
use std::{path::PathBuf, time::Duration};

fn signer(cli: &Cli) -> anyhow::Result<Keypair> {
	let inline = cli.suri.clone().map(Secret::new);
	Ok(keys::load(
		cli.suri_file.as_deref(),
		inline.as_ref(),
		"signing",
		"this command signs: pass --suri-file FILE or set AIPIN_SURI (//Alice on dev chains)",
	)?)
}

/// The account given on the command line, else the signer's.
fn account_or_signer(cli: &Cli, account: Option<&str>) -> anyhow::Result<AccountId> {
	match account {
		Some(a) => Ok(parse_account(a)?),
		None => Ok(aipin_client::account_of(&signer(cli)?)),
	}
}

async fn run(cli: Cli) -> anyhow::Result<()> {
	let json = cli.json;
	if let Command::Model(ModelCmd::Compile { file, out }) = &cli.command {
		return model::compile(file, out.as_deref(), json);
	}
	let api = Client::connect(&cli.node).await?;
	match &cli.command {
		Command::Credits(CreditsCmd::Buy { aip, min_credits }) => {
			let tokens = parse_aip(aip)?;
			let key = signer(&cli)?;
			let p = market::buy_credits(&api, &key, tokens, *min_credits).await?;
			emit(json, &p, || {
				format!(
					"burned {} for {} credits at ${:.4}/AIP (block {}); free credits: {}",
					fmt_aip(p.tokens),
					p.credits,
					p.price as f64 / 1e9,
					p.block,
					p.free_credits
				)
			})?;
		},
		Command::Credits(CreditsCmd::Balance { account: who }) => {
			let id = account_or_signer(&cli, who.as_deref())?;
			let (free, reserved) = reads::credits_of(&api.finalized().await?, &id).await?;
			let v = serde_json::json!({ "account": ss58(&id), "free": free, "reserved": reserved });
			emit(json, &v, || {
				format!("{}: {free} credits free, {reserved} held in escrow", ss58(&id))
			})?;
		},
		Command::Kernels => {
			let ks = market::kernels(&api).await?;
			emit(json, &ks, || {
				ks.iter()
					.map(|k| {
						format!(
							"{:>3}  {:<11} v{}  max params {:?}  {}{}",
							k.id,
							k.name,
							k.version,
							k.max_params,
							k.wgsl_hash,
							if k.deprecated { "  (deprecated)" } else { "" }
						)
					})
					.collect::<Vec<_>>()
					.join("\n")
			})?;
		},
		Command::Providers => {
			let ps = market::providers(&api).await?;
			emit(json, &ps, || {
				if ps.is_empty() {
					return "no providers registered".into();
				}
				ps.iter()
					.map(|p| {
						format!(
							"{}  {}  stake {}  ask {}  kernels {:?}  {} wu/s  reputation {:.1}%  \
							 {}{}",
							p.stash,
							p.status,
							fmt_aip(p.stake),
							fmt_price(p.ask_price, p.price_unit),
							p.kernels,
							p.throughput,
							p.reputation_ppm as f64 / 1e4,
							p.endpoint,
							p.jailed_until
								.map(|b| format!("  JAILED until {b}"))
								.unwrap_or_default()
						)
					})
					.collect::<Vec<_>>()
					.join("\n")
			})?;
		},
		Command::Provider(ProviderCmd::Show { stash }) => {
			let s = provider::standing(&api, &account_or_signer(&cli, stash.as_deref())?).await?;
			emit(json, &s, || s.text())?;
		},
		Command::Provider(ProviderCmd::Step(step)) => {
			let done = provider::run(&api, &signer(&cli)?, *step).await?;
			emit(json, &done, || match &done.after {
				Some(s) => format!("{step:?} included in block {}\n{}", done.block, s.text()),
				None => format!("deregistered in block {}", done.block),
			})?;
		},
		// Offline, handled before connecting.
		Command::Model(ModelCmd::Compile { .. }) => {},
		Command::Model(ModelCmd::Register { file, url }) => {
			let key = signer(&cli)?;
			let r = model::register(&api, &key, file, url.as_deref()).await?;
			emit(json, &r, || match r.block {
				Some(b) => format!("registered in block {b}:\n{}", r.model.line()),
				None => format!("already registered:\n{}", r.model.line()),
			})?;
		},
		Command::Model(ModelCmd::List) => {
			let ms = model::list(&api).await?;
			emit(json, &ms, || {
				if ms.is_empty() {
					return "no models registered".into();
				}
				ms.iter().map(|m| m.line()).collect::<Vec<_>>().join("\n")
			})?;
		},
		Command::Canary(args) => {
			let consumer = signer(&cli)?;
			let inline = args.sealer_suri.clone().map(Secret::new);
			let sealer = keys::load(
				args.sealer_suri_file.as_deref(),
				inline.as_ref(),
				"sealer",
				"a canary is sealed by the canary origin: pass --sealer-suri-file FILE or set \
				 AIPIN_SEALER_SURI (//Alice, the sudo key, on dev chains)",
			)?;
			let (_, t, given) = args.task.resolve(&api).await?;
			let timeout = Duration::from_secs(args.task.terms.timeout);
			let r = canary::run(&api, &sealer, &consumer, &t, given, timeout, |line| {
				if !json {
					eprintln!("  {line}");
				}
			})
			.await?;
			emit(json, &r, || {
				format!(
					"task {}: {} — {} passed, {} failed{}",
					r.task,
					r.outcome,
					r.passed.len(),
					r.failed.len(),
					if r.exposed { " (exposed after settlement)" } else { "" }
				)
			})?;
		},
		Command::Infer(args) => {
			let key = if args.save_batch.is_some() { None } else { Some(signer(&cli)?) };
			model::infer_command(&api, key.as_ref(), args, json).await?;
		},
		Command::Bme(BmeCmd::Stats) => {
			let s = market::bme_stats(&api).await?;
			emit(json, &s, || {
				format!(
					"epoch {}  price {}\nburned: {} for credits, {} by slashing, {} fees\nminted: {}\n\
					 credits: {} issued, {} spent, {} outstanding\ntotal issuance: {}",
					s.epoch,
					s.price.map_or("none (oracle stale or halted)".into(), |p| format!(
						"${:.4}/AIP",
						p as f64 / 1e9
					)),
					fmt_aip(s.totals.burned_for_credits),
					fmt_aip(s.totals.burned_by_slashing),
					fmt_aip(s.totals.burned_fees),
					fmt_aip(s.totals.minted),
					s.totals.credits_issued,
					s.totals.credits_spent,
					s.totals.credits_outstanding,
					fmt_aip(s.total_issuance)
				)
			})?;
		},
		Command::Bme(BmeCmd::Price { nano_usd }) => {
			let key = signer(&cli)?;
			let block = api.submit(&key, &calls::bme::submit_price(*nano_usd)).await?.block;
			let v = serde_json::json!({ "block": block, "price": nano_usd });
			emit(json, &v, || {
				format!("price ${:.4}/AIP submitted (block {block})", *nano_usd as f64 / 1e9)
			})?;
		},
		Command::Bme(BmeCmd::Claim) => {
			let key = signer(&cli)?;
			let who = aipin_client::account_of(&key);
			let included = api.submit(&key, &calls::bme::claim_rewards()).await?;
			let block = included.block;
			let minted: u128 =
				included.find::<events::bme::RewardsClaimed>()?.iter().map(|e| e.amount).sum();
			let v = serde_json::json!({ "block": block, "account": ss58(&who), "claimed": minted });
			emit(json, &v, || format!("claimed {} (block {block})", fmt_aip(minted)))?;
		},
		Command::Task(TaskCmd::Submit { task: spec, no_wait, out }) => {
			let key = signer(&cli)?;
			let (k, t, _) = spec.resolve(&api).await?;
			let terms = &spec.terms;
			let s = task::submit(&api, &key, &t).await?;
			if !json {
				eprintln!(
					"task {} submitted in block {}: {} {:?}, r = {}, {} work units, {} credits \
					 escrowed, deadline block {}",
					s.task,
					s.block,
					k.name,
					t.params,
					t.replication,
					s.work_units,
					s.escrow,
					s.deadline
				);
			}
			if *no_wait {
				return emit(json, &s, || format!("{}", s.task));
			}
			let settled =
				task::watch(&api, s.task, Duration::from_secs(terms.timeout), |b, line| {
					if !json {
						eprintln!("  block {b}: {line}");
					}
				})
				.await?;
			let download = match out {
				Some(path) if settled.result_root.is_some() => {
					let (d, bytes) = task::fetch_result(&api, s.task, None).await?;
					write_file(path, &bytes)?;
					Some(d)
				},
				_ => None,
			};
			let v = serde_json::json!({ "submitted": s, "settled": settled, "download": download });
			emit(json, &v, || {
				let mut line = format!(
					"task {} finished in block {}: {}; paid {} credits, refunded {}",
					s.task, settled.block, settled.outcome, settled.paid, settled.refunded
				);
				if let Some(r) = &settled.result_root {
					line.push_str(&format!("\nresult root {r}"));
				}
				if settled.outcome == "BadInput" {
					line.push_str(
						"\nthe providers could not use the input (see the InputReported lines): the URL \
						 must serve exactly the bytes whose size and hash were declared; the input \
						 fee was forfeited",
					);
				}
				if let (Some(d), Some(path)) = (&download, out) {
					line.push_str(&format!(
						"\nverified {} bytes ({} chunks) from {} against the on-chain root → {}",
						d.bytes,
						d.chunks,
						d.endpoint,
						path.display()
					));
				}
				line
			})?;
		},
		Command::Task(TaskCmd::Show { task }) => {
			let t = task::show(&api, *task).await?.ok_or_else(|| {
				anyhow::anyhow!("task {task} is unknown (never submitted, or pruned)")
			})?;
			emit(json, &t, || t.describe())?;
		},
		Command::Task(TaskCmd::Watch { task, timeout }) => {
			let s = task::watch(&api, *task, Duration::from_secs(*timeout), |b, line| {
				if !json {
					eprintln!("  block {b}: {line}");
				}
			})
			.await?;
			emit(json, &s, || {
				format!(
					"task {} finished in block {}: {}; paid {}, refunded {}",
					s.task, s.block, s.outcome, s.paid, s.refunded
				)
			})?;
		},
		Command::Task(TaskCmd::Result { task, out, endpoint }) => {
			let (d, bytes) = task::fetch_result(&api, *task, endpoint.as_deref()).await?;
			let path = out.clone().unwrap_or_else(|| PathBuf::from(format!("task-{task}.bin")));
			write_file(&path, &bytes)?;
			emit(json, &d, || {
				format!(
					"verified {} bytes ({} chunks) from {} against the on-chain root {} → {}",
					d.bytes,
					d.chunks,
					d.endpoint,
					d.root,
					path.display()
				)
			})?;
		},
		Command::Task(TaskCmd::Cancel { task }) => {
			let key = signer(&cli)?;
			let block = api.submit(&key, &calls::escrow::cancel_task(*task)).await?.block;
			let v = serde_json::json!({ "task": task, "block": block });
			emit(json, &v, || format!("task {task} cancelled (block {block}); escrow refunded"))?;
		},
	}
	Ok(())
}

fn main() {
	let cli = Cli::parse();
	let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
		Ok(rt) => rt,
		Err(e) => {
			eprintln!("error: {e}");
			std::process::exit(1);
		},
	};
	if let Err(e) = rt.block_on(run(cli)) {
		eprintln!("error: {e:#}");
		std::process::exit(1);
	}
}
