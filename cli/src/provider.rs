//! `aipin provider`: one provider's standing (stake, work in flight, pending slashes, rewards by
//! epoch) and its stake lifecycle, signed by the stash.

use crate::market::Provider;
use aipin_client::{
	calls::{self, Call},
	reads,
	units::{fmt_aip, fmt_price, parse_aip, ss58},
	Client, Keypair,
};
use aipin_primitives::{
	bme::EpochIndex, AccountId, Balance, BlockNumber, Credits, OffenceKind, ProviderStatus,
	SlashId, TaskId,
};
use serde::Serialize;

/// Everything about one provider, read at one finalized block.
#[derive(Debug, Serialize)]
pub struct Standing {
	/// The block it was read at.
	pub block: BlockNumber,
	/// The provider, as `aipin providers` lists it.
	#[serde(flatten)]
	pub provider: Provider,
	/// Taking work, or draining.
	#[serde(skip)]
	pub status: ProviderStatus,
	/// Unbonding stake: held and slashable until withdrawn.
	pub unlocking: Vec<Unlock>,
	/// Bonded plus unbonding stake.
	pub total_stake: Balance,
	/// Tasks assigned and not finished.
	pub in_flight: u32,
	/// Of those, the ones where it must still commit or reveal.
	pub awaiting_action: u32,
	/// The earliest block by which it must act on one of them.
	pub next_deadline: Option<BlockNumber>,
	/// Slashes reported and not yet applied; governance may cancel each until `apply_at`.
	pub pending_slashes: Vec<PendingSlash>,
	/// Their sum: stake that will be taken unless governance cancels.
	pub at_risk: Balance,
	/// The epoch in progress.
	pub epoch: EpochIndex,
	/// Its verified work so far in the epoch in progress (credits earned); that epoch's reward
	/// is known when it closes.
	pub current_work: Credits,
	/// Each finished epoch it has not claimed, oldest first, with its reward.
	pub unclaimed_epochs: Vec<EpochEarning>,
	/// Rewards settled earlier and not yet minted.
	pub settled_unminted: Balance,
	/// What `aipin bme claim` signed by the stash would mint now.
	pub claimable: Balance,
}

/// An unbonding chunk.
#[derive(Debug, Serialize)]
pub struct Unlock {
	pub value: Balance,
	/// First block at which it can be withdrawn.
	pub unlock_at: BlockNumber,
}

/// A slash that is reported and not yet applied.
#[derive(Debug, Serialize)]
pub struct PendingSlash {
	/// Its id (`Slashing.cancel_slash` takes it).
	pub id: SlashId,
	pub offence: String,
	pub task: TaskId,
	pub amount: Balance,
	pub reported_at: BlockNumber,
	pub apply_at: BlockNumber,
}

/// A provider's reward from one finished epoch.
#[derive(Debug, Serialize)]
pub struct EpochEarning {
	pub epoch: EpochIndex,
	/// From the work pool (verified work).
	pub work: Balance,
	/// From the availability pool (heartbeats all epoch).
	pub availability: Balance,
}

/// Reads provider `stash`'s standing at the latest finalized block.
pub async fn standing(client: &Client, stash: &AccountId) -> anyhow::Result<Standing> {
	let at = client.finalized().await?;
	let p = reads::provider(&at, stash)
		.await?
		.ok_or_else(|| anyhow::anyhow!("{} is not a registered provider's stash", ss58(stash)))?;
	let risk = reads::provider_risk(&at, stash).await?;
	let slashes = reads::pending_slashes(&at, stash).await?;
	let rewards = reads::rewards_of(&at, stash).await?;
	let (_, epoch, _) = reads::bme_stats(&at).await?;
	let pending_slashes: Vec<PendingSlash> = slashes
		.into_iter()
		.map(|(id, s)| PendingSlash {
			id,
			offence: offence_name(s.offence.kind).into(),
			task: s.offence.task,
			amount: s.amount,
			reported_at: s.reported_at,
			apply_at: s.apply_at,
		})
		.collect();
	let unclaimed_epochs: Vec<EpochEarning> = rewards
		.epochs
		.iter()
		.map(|(epoch, r)| EpochEarning {
			epoch: *epoch,
			work: r.work,
			availability: r.availability,
		})
		.collect();
	Ok(Standing {
		block: at.block_number() as BlockNumber,
		unlocking: p
			.unlocking
			.iter()
			.map(|c| Unlock { value: c.value, unlock_at: c.unlock_at })
			.collect(),
		total_stake: p.total_stake(),
		status: p.status,
		provider: Provider::of(stash, &p, reads::price_unit(&at)?),
		in_flight: risk.in_flight,
		awaiting_action: risk.awaiting_action,
		next_deadline: risk.next_deadline,
		at_risk: pending_slashes.iter().fold(0, |acc, s| acc.saturating_add(s.amount)),
		pending_slashes,
		epoch,
		current_work: rewards.current.credits,
		claimable: rewards.claimable(),
		unclaimed_epochs,
		settled_unminted: rewards.pending,
	})
}

fn offence_name(kind: OffenceKind) -> &'static str {
	match kind {
		OffenceKind::WrongResult => "WrongResult",
		OffenceKind::InvalidReveal => "InvalidReveal",
		OffenceKind::MissedCommit => "MissedCommit",
		OffenceKind::MissedReveal => "MissedReveal",
		OffenceKind::FailedCanary => "FailedCanary",
	}
}

impl Standing {
	/// The human-readable report.
	pub fn text(&self) -> String {
		let p = &self.provider;
		let mut out = vec![
			format!("provider {} (operator {}) at block {}", p.stash, p.operator, self.block),
			format!(
				"  status {}{}, reputation {:.1}%, last heartbeat {}",
				p.status,
				p.jailed_until.map(|b| format!(", JAILED until block {b}")).unwrap_or_default(),
				p.reputation_ppm as f64 / 1e4,
				p.last_heartbeat
			),
			format!(
				"  offers kernels {:?} at {}, {} work units/s, results at {}",
				p.kernels,
				fmt_price(p.ask_price, p.price_unit),
				p.throughput,
				p.endpoint
			),
			format!("  stake {} bonded, {} in all", fmt_aip(p.stake), fmt_aip(self.total_stake)),
		];
		for c in &self.unlocking {
			out.push(format!("    unbonding {} until block {}", fmt_aip(c.value), c.unlock_at));
		}
		out.push(format!(
			"  tasks in flight {} ({} awaiting its commit or reveal){}",
			self.in_flight,
			self.awaiting_action,
			self.next_deadline.map(|b| format!(", next deadline block {b}")).unwrap_or_default()
		));
		if self.pending_slashes.is_empty() {
			out.push("  pending slashes: none".into());
		} else {
			out.push(format!(
				"  pending slashes: {} at risk (governance may cancel each until it applies)",
				fmt_aip(self.at_risk)
			));
			for s in &self.pending_slashes {
				out.push(format!(
					"    #{} {} in task {}: {}, reported at block {}, applies at block {}",
					s.id,
					s.offence,
					s.task,
					fmt_aip(s.amount),
					s.reported_at,
					s.apply_at
				));
			}
		}
		out.push(format!(
			"  rewards: {} claimable (`aipin bme claim`); epoch {} in progress, {} credits of \
			 verified work so far",
			fmt_aip(self.claimable),
			self.epoch,
			self.current_work
		));
		for e in &self.unclaimed_epochs {
			out.push(format!(
				"    epoch {}: {} for work, {} for availability",
				e.epoch,
				fmt_aip(e.work),
				fmt_aip(e.availability)
			));
		}
		if self.settled_unminted > 0 {
			out.push(format!("    earlier epochs: {}", fmt_aip(self.settled_unminted)));
		}
		out.join("\n")
	}
}

/// A stake lifecycle step, signed by the stash: `aipin provider <step>`.
#[derive(Debug, Clone, Copy, clap::Subcommand)]
pub enum Step {
	/// Bonds more stake (AIP, e.g. 500 or 0.5).
	BondExtra {
		#[arg(value_parser = parse_aip)]
		aip: Balance,
	},
	/// Starts unbonding stake (AIP); it stays slashable until withdrawn after the unbonding
	/// period.
	Unbond {
		#[arg(value_parser = parse_aip)]
		aip: Balance,
	},
	/// Bonds unbonding stake again (AIP).
	Rebond {
		#[arg(value_parser = parse_aip)]
		aip: Balance,
	},
	/// Withdraws the unbonding stake that has unlocked.
	Withdraw,
	/// Takes no new work; tasks in flight finish.
	Drain,
	/// Takes work again after a drain.
	Resume,
	/// Removes a drained, idle provider whose stake is all withdrawn.
	Deregister,
	/// Leaves jail once the term is over.
	Unjail,
}

impl Step {
	fn call(self) -> Call {
		match self {
			Step::BondExtra { aip } => calls::staking::bond_extra(aip),
			Step::Unbond { aip } => calls::staking::unbond(aip),
			Step::Rebond { aip } => calls::staking::rebond(aip),
			Step::Withdraw => calls::staking::withdraw_unbonded(),
			Step::Drain => calls::staking::drain(),
			Step::Resume => calls::staking::resume(),
			Step::Deregister => calls::staking::deregister(),
			Step::Unjail => calls::slashing::unjail(),
		}
	}

	/// Refuses, before anything is signed (and a fee paid), a step the provider's current state
	/// rules out. The chain checks everything again; these are the mistakes one makes by hand.
	fn check(self, s: &Standing) -> anyhow::Result<()> {
		let unbonding: Balance = s.unlocking.iter().map(|c| c.value).sum();
		let draining = s.status == ProviderStatus::Draining;
		let refuse = |why: String| Err(anyhow::anyhow!("{why}; nothing was signed"));
		match self {
			Step::BondExtra { aip: 0 } | Step::Unbond { aip: 0 } | Step::Rebond { aip: 0 } => {
				refuse("amount is zero".into())
			},
			Step::Unbond { aip: v } if v > s.provider.stake => refuse(format!(
				"cannot unbond {}: {} is bonded",
				fmt_aip(v),
				fmt_aip(s.provider.stake)
			)),
			Step::Rebond { aip: v } if v > unbonding => {
				refuse(format!("cannot rebond {}: {} is unbonding", fmt_aip(v), fmt_aip(unbonding)))
			},
			Step::Withdraw if !s.unlocking.iter().any(|c| c.unlock_at <= s.block) => {
				refuse(match s.unlocking.iter().map(|c| c.unlock_at).min() {
					Some(b) => {
						format!("nothing has unlocked yet: the first chunk unlocks at block {b}")
					},
					None => "nothing is unbonding".into(),
				})
			},
			Step::Drain if draining => refuse("already draining".into()),
			Step::Resume if !draining => refuse("not draining".into()),
			Step::Deregister if !draining => {
				refuse("drain first (`aipin provider drain`), then wait for tasks in flight".into())
			},
			Step::Deregister if s.in_flight > 0 => {
				refuse(format!("{} tasks are still in flight", s.in_flight))
			},
			Step::Deregister if s.total_stake > 0 => refuse(format!(
				"{} of stake remains: unbond it and withdraw it first",
				fmt_aip(s.total_stake)
			)),
			Step::Unjail if s.provider.jailed_until.is_none() => refuse("not jailed".into()),
			Step::Unjail if s.provider.jailed_until.is_some_and(|b| b > s.block) => refuse(
				format!("jailed until block {}", s.provider.jailed_until.unwrap_or_default()),
			),
			_ => Ok(()),
		}
	}
}

/// What a lifecycle step did: its block and the provider afterwards (`None` once deregistered).
#[derive(Debug, Serialize)]
pub struct StepDone {
	pub block: u64,
	pub after: Option<Standing>,
}

/// Checks `step` against the provider's state, signs it with the stash `key`, waits for it to be
/// finalized, and reads the provider again.
pub async fn run(client: &Client, key: &Keypair, step: Step) -> anyhow::Result<StepDone> {
	let stash = aipin_client::account_of(key);
	let before =
		standing(client, &stash).await.map_err(|e| anyhow::anyhow!("{e}; nothing was signed"))?;
	step.check(&before)?;
	let block = client.submit(key, &step.call()).await?.block;
	let after = match standing(client, &stash).await {
		Ok(s) => Some(s),
		Err(_) if matches!(step, Step::Deregister) => None,
		Err(e) => return Err(e),
	};
	Ok(StepDone { block, after })
}
