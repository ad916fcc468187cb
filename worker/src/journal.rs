//! The durable journal: one record per task, written (and fsynced by redb) before the step it
//! describes is taken, so a crash at any point loses nothing and repeats nothing that reached
//! the chain. Outputs live next to it as files, written atomically before their record.

use aipin_primitives::InputFault;
use codec::{Decode, Encode};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use std::{
	fs,
	io::Write,
	path::{Path, PathBuf},
};

const TASKS: TableDefinition<u64, &[u8]> = TableDefinition::new("tasks");
/// Index of the tasks not yet `Done` or `Failed`: what the run loop checks each block, so its
/// cost follows the work in flight, not the length of the history.
const OPEN: TableDefinition<u64, ()> = TableDefinition::new("open");
/// The genesis hash of the chain the journal's task ids belong to.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// Where a task stands for this worker.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Stage {
	/// Output computed and stored; nothing sent yet.
	Computed,
	/// `commit_result` sent (or about to be) at block `at`.
	CommitSent { at: u32 },
	/// `reveal_result` sent (or about to be) at block `at`.
	RevealSent { at: u32 },
	/// The task ended on chain; `accepted` when its result root is ours.
	Done { reason: String, accepted: bool },
	/// The worker could not do it (an unsupported kernel, a kernel error).
	Failed { why: String },
	/// The task's external input is unusable (`fault`, explained by `why`): the worker reports
	/// it on chain instead of committing. `sent_at`: the block the report was sent (or about to
	/// be) at, `None` before it is.
	InputRefused { fault: InputFault, why: String, sent_at: Option<u32> },
}

/// A task as the worker remembers it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Entry {
	pub task: u64,
	pub kernel: u32,
	pub params: Vec<u32>,
	pub root: [u8; 32],
	pub salt: [u8; 32],
	pub output_len: u64,
	pub compute_ms: u64,
	pub stage: Stage,
}

impl Stage {
	/// The stage's name in metrics.
	pub fn label(&self) -> &'static str {
		match self {
			Stage::Computed => "computed",
			Stage::CommitSent { .. } => "committed",
			Stage::RevealSent { .. } => "revealed",
			Stage::Done { .. } => "done",
			Stage::Failed { .. } => "failed",
			Stage::InputRefused { .. } => "input-refused",
		}
	}

	/// Whether the worker is finished with the task.
	pub fn is_final(&self) -> bool {
		matches!(self, Stage::Done { .. } | Stage::Failed { .. })
	}
}

impl Entry {
	/// A record for a task that could not be run.
	pub fn failed(task: u64, kernel: u32, params: Vec<u32>, why: String) -> Self {
		Self::without_result(task, kernel, params, Stage::Failed { why })
	}

	/// A record for a task whose input is unusable, to be reported on chain.
	pub fn input_refused(
		task: u64,
		kernel: u32,
		params: Vec<u32>,
		fault: InputFault,
		why: String,
	) -> Self {
		Self::without_result(
			task,
			kernel,
			params,
			Stage::InputRefused { fault, why, sent_at: None },
		)
	}

	fn without_result(task: u64, kernel: u32, params: Vec<u32>, stage: Stage) -> Self {
		Self {
			task,
			kernel,
			params,
			root: [0; 32],
			salt: [0; 32],
			output_len: 0,
			compute_ms: 0,
			stage,
		}
	}
}

/// The journal and the result files.
pub struct Journal {
	db: redb::Database,
	results: PathBuf,
	/// Tasks by stage label, counted on open and kept current by `put` (for `/metrics`,
	/// which must not read the whole journal on every scrape).
	counts: std::sync::Mutex<std::collections::BTreeMap<&'static str, u64>>,
}

impl Journal {
	/// Opens (or creates) the journal in `dir`, rebuilding the index of unfinished tasks from
	/// the records (so an index from an older version, or none, is never trusted).
	pub fn open(dir: &Path) -> anyhow::Result<Self> {
		let results = dir.join("results");
		fs::create_dir_all(&results)
			.map_err(|e| anyhow::anyhow!("creating {}: {e}", results.display()))?;
		let path = dir.join("journal.redb");
		let db = redb::Database::create(&path)
			.map_err(|e| anyhow::anyhow!("opening the journal {}: {e}", path.display()))?;
		let mut counts = std::collections::BTreeMap::new();
		let txn = db.begin_write()?;
		{
			let tasks = txn.open_table(TASKS)?;
			txn.delete_table(OPEN)?;
			let mut open = txn.open_table(OPEN)?;
			for row in tasks.iter()? {
				let (k, v) = row?;
				let stage = Entry::decode(&mut v.value())?.stage;
				*counts.entry(stage.label()).or_default() += 1;
				if !stage.is_final() {
					open.insert(k.value(), ())?;
				}
			}
		}
		txn.commit()?;
		Ok(Self { db, results, counts: std::sync::Mutex::new(counts) })
	}

	/// Binds the journal to the chain with `genesis`, or checks that it is bound to it: task
	/// ids of another chain (a wiped dev chain, say) must never be taken for these.
	pub fn bind_chain(&self, genesis: [u8; 32]) -> anyhow::Result<()> {
		let txn = self.db.begin_write()?;
		{
			let mut meta = txn.open_table(META)?;
			let bound = meta.get("genesis")?.map(|v| v.value().to_vec());
			match bound {
				Some(g) if g != genesis => anyhow::bail!(
					"this data directory's journal belongs to the chain with genesis 0x{}, but the 					 node serves 0x{}: use another --data-dir (or delete this one if that chain 					 is gone)",
					hex::encode(g),
					hex::encode(genesis)
				),
				Some(_) => {},
				None => {
					meta.insert("genesis", genesis.as_slice())?;
				},
			}
		}
		txn.commit()?;
		Ok(())
	}

	pub fn get(&self, task: u64) -> anyhow::Result<Option<Entry>> {
		let txn = self.db.begin_read()?;
		let table = txn.open_table(TASKS)?;
		let Some(v) = table.get(task)? else { return Ok(None) };
		Ok(Some(Entry::decode(&mut v.value())?))
	}

	/// Writes `entry`; returns once it is durable.
	pub fn put(&self, entry: &Entry) -> anyhow::Result<()> {
		self.put_all(std::slice::from_ref(entry))
	}

	/// Writes `entries` in one transaction (one sync to disk for all: the worker records a
	/// block's worth of steps at once); returns once they are durable. All or none.
	pub fn put_all(&self, entries: &[Entry]) -> anyhow::Result<()> {
		if entries.is_empty() {
			return Ok(());
		}
		let txn = self.db.begin_write()?;
		let mut previous = Vec::with_capacity(entries.len());
		{
			let mut table = txn.open_table(TASKS)?;
			let mut open = txn.open_table(OPEN)?;
			for entry in entries {
				previous.push(
					table
						.insert(entry.task, entry.encode().as_slice())?
						.map(|old| Entry::decode(&mut old.value()).map(|e| e.stage.label()))
						.transpose()?,
				);
				if entry.stage.is_final() {
					open.remove(entry.task)?;
				} else {
					open.insert(entry.task, ())?;
				}
			}
		}
		txn.commit()?;
		if let Ok(mut counts) = self.counts.lock() {
			for (entry, old) in entries.iter().zip(previous) {
				if let Some(old) = old {
					counts.entry(old).and_modify(|n| *n = n.saturating_sub(1));
				}
				*counts.entry(entry.stage.label()).or_default() += 1;
			}
		}
		Ok(())
	}

	/// Tasks by stage label.
	pub fn counts(&self) -> std::collections::BTreeMap<&'static str, u64> {
		self.counts.lock().map(|c| c.clone()).unwrap_or_default()
	}

	/// Entries the worker has not finished with, oldest task first.
	pub fn unfinished(&self) -> anyhow::Result<Vec<Entry>> {
		let txn = self.db.begin_read()?;
		let open = txn.open_table(OPEN)?;
		let tasks = txn.open_table(TASKS)?;
		let mut out = Vec::new();
		for row in open.iter()? {
			let (k, _) = row?;
			if let Some(v) = tasks.get(k.value())? {
				out.push(Entry::decode(&mut v.value())?);
			}
		}
		Ok(out)
	}

	pub fn all(&self) -> anyhow::Result<Vec<Entry>> {
		let txn = self.db.begin_read()?;
		let table = txn.open_table(TASKS)?;
		let mut out = Vec::new();
		for row in table.iter()? {
			let (_, v) = row?;
			out.push(Entry::decode(&mut v.value())?);
		}
		Ok(out)
	}

	pub fn output_path(&self, task: u64) -> PathBuf {
		self.results.join(format!("{task}.bin"))
	}

	/// Stores `output` for `task` atomically (temp file, fsync, rename, fsync dir).
	pub fn store_output(&self, task: u64, output: &[u8]) -> anyhow::Result<()> {
		let tmp = self.results.join(format!("{task}.bin.tmp"));
		{
			let mut f = fs::File::create(&tmp)?;
			f.write_all(output)?;
			f.sync_all()?;
		}
		fs::rename(&tmp, self.output_path(task))?;
		fs::File::open(&self.results)?.sync_all()?;
		Ok(())
	}

	pub fn load_output(&self, task: u64) -> anyhow::Result<Vec<u8>> {
		Ok(fs::read(self.output_path(task))?)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_batch_is_written_whole_and_counted_once() {
		let dir = std::env::temp_dir().join(format!("aipin-journal-batch-{}", std::process::id()));
		let _ = fs::remove_dir_all(&dir);
		let entry = |task, stage| Entry {
			task,
			kernel: 1,
			params: vec![],
			root: [task as u8; 32],
			salt: [0; 32],
			output_len: 0,
			compute_ms: 0,
			stage,
		};
		let j = Journal::open(&dir).unwrap();
		j.put(&entry(1, Stage::Computed)).unwrap();
		let batch = vec![
			entry(1, Stage::CommitSent { at: 5 }),
			entry(2, Stage::RevealSent { at: 5 }),
			entry(3, Stage::Failed { why: "x".into() }),
		];
		j.put_all(&batch).unwrap();
		j.put_all(&[]).unwrap();
		drop(j);
		let j = Journal::open(&dir).unwrap();
		assert_eq!(j.all().unwrap(), batch);
		assert_eq!(j.unfinished().unwrap(), batch[..2].to_vec());
		let counts = j.counts();
		assert_eq!((counts.get("computed"), counts.get("committed")), (None, Some(&1)));
		assert_eq!((counts.get("revealed"), counts.get("failed")), (Some(&1), Some(&1)));
		let _ = fs::remove_dir_all(&dir);
	}

	#[test]
	fn records_survive_reopening() {
		let dir = std::env::temp_dir().join(format!("aipin-journal-{}", std::process::id()));
		let _ = fs::remove_dir_all(&dir);
		let e = Entry {
			task: 7,
			kernel: 1,
			params: vec![2, 3, 4],
			root: [1; 32],
			salt: [2; 32],
			output_len: 24,
			compute_ms: 5,
			stage: Stage::CommitSent { at: 10 },
		};
		{
			let j = Journal::open(&dir).unwrap();
			j.store_output(7, &[9; 24]).unwrap();
			j.put(&e).unwrap();
		}
		let j = Journal::open(&dir).unwrap();
		assert_eq!(j.get(7).unwrap(), Some(e.clone()));
		assert_eq!(j.get(8).unwrap(), None);
		assert_eq!(j.load_output(7).unwrap(), vec![9; 24]);
		assert_eq!(j.all().unwrap(), vec![e.clone()]);
		assert_eq!(j.unfinished().unwrap(), vec![e.clone()]);
		// Finishing a task takes it out of the index, durably.
		let done = Entry { stage: Stage::Done { reason: "Completed".into(), accepted: true }, ..e };
		j.put(&done).unwrap();
		assert!(j.unfinished().unwrap().is_empty());
		drop(j);
		let j = Journal::open(&dir).unwrap();
		assert!(j.unfinished().unwrap().is_empty());
		assert_eq!(j.counts().get("done"), Some(&1));
		assert_eq!(j.counts().get("committed").copied().unwrap_or(0), 0);
		assert_eq!(j.all().unwrap(), vec![done]);
		let _ = fs::remove_dir_all(&dir);
	}

	#[test]
	fn a_journal_serves_one_chain_only() {
		let dir = std::env::temp_dir().join(format!("aipin-journal-chain-{}", std::process::id()));
		let _ = fs::remove_dir_all(&dir);
		{
			let j = Journal::open(&dir).unwrap();
			j.bind_chain([1; 32]).unwrap();
			j.bind_chain([1; 32]).unwrap();
		}
		let j = Journal::open(&dir).unwrap();
		j.bind_chain([1; 32]).unwrap();
		let e = j.bind_chain([2; 32]).unwrap_err().to_string();
		assert!(e.contains("belongs to the chain with genesis 0x0101"), "{e}");
		let _ = fs::remove_dir_all(&dir);
	}
}
