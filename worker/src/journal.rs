//! The durable journal: one record per task, written (and fsynced by redb) before the step it
//! describes is taken, so a crash at any point loses nothing and repeats nothing that reached
//! the chain. Outputs live next to it as files, written atomically before their record.

use codec::{Decode, Encode};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use std::{
	fs,
	io::Write,
	path::{Path, PathBuf},
};

const TASKS: TableDefinition<u64, &[u8]> = TableDefinition::new("tasks");

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
	/// The worker could not do it (unsupported or broken input).
	Failed { why: String },
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

impl Entry {
	/// A record for a task that could not be run.
	pub fn failed(task: u64, kernel: u32, params: Vec<u32>, why: String) -> Self {
		Self {
			task,
			kernel,
			params,
			root: [0; 32],
			salt: [0; 32],
			output_len: 0,
			compute_ms: 0,
			stage: Stage::Failed { why },
		}
	}
}

/// The journal and the result files.
pub struct Journal {
	db: redb::Database,
	results: PathBuf,
}

impl Journal {
	/// Opens (or creates) the journal in `dir`.
	pub fn open(dir: &Path) -> anyhow::Result<Self> {
		let results = dir.join("results");
		fs::create_dir_all(&results)?;
		let db = redb::Database::create(dir.join("journal.redb"))?;
		let txn = db.begin_write()?;
		txn.open_table(TASKS)?;
		txn.commit()?;
		Ok(Self { db, results })
	}

	pub fn get(&self, task: u64) -> anyhow::Result<Option<Entry>> {
		let txn = self.db.begin_read()?;
		let table = txn.open_table(TASKS)?;
		let Some(v) = table.get(task)? else { return Ok(None) };
		Ok(Some(Entry::decode(&mut v.value())?))
	}

	/// Writes `entry`; returns once it is durable.
	pub fn put(&self, entry: &Entry) -> anyhow::Result<()> {
		let txn = self.db.begin_write()?;
		{
			let mut table = txn.open_table(TASKS)?;
			table.insert(entry.task, entry.encode().as_slice())?;
		}
		txn.commit()?;
		Ok(())
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
		assert_eq!(j.all().unwrap(), vec![e]);
		let _ = fs::remove_dir_all(&dir);
	}
}
