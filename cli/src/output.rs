//! Printing: JSON or text, files written atomically, event fields shortened for progress lines.

use serde::Serialize;
use std::io::Write;
use subxt::ext::scale_value::{Composite, Primitive, Value, ValueDef};

/// Prints `value` as JSON with `--json`, else the text `text` makes. A reader that closes the
/// pipe early (`aipin … | head`) is not an error.
pub fn emit<T: Serialize>(
	json: bool,
	value: &T,
	text: impl FnOnce() -> String,
) -> anyhow::Result<()> {
	let out = if json { serde_json::to_string_pretty(value)? } else { text() };
	match writeln!(std::io::stdout().lock(), "{out}") {
		Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
		_ => Ok(()),
	}
}

/// Writes `bytes` to `path` atomically (a `.part` file, synced, then renamed).
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
	let tmp = path.with_extension("part");
	let mut f = std::fs::File::create(&tmp)
		.map_err(|e| anyhow::anyhow!("creating {}: {e}", tmp.display()))?;
	f.write_all(bytes)?;
	f.sync_all()?;
	std::fs::rename(&tmp, path).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
	Ok(())
}

/// An event's fields other than the task id, accounts and hashes shortened: ` (a: 1, b: 0x12…)`.
pub fn fields(ev: &aipin_client::events::Event<'_>) -> String {
	let Ok(Composite::Named(fields)) = ev.decode_fields_unchecked_as::<Composite<()>>() else {
		return String::new();
	};
	let parts: Vec<String> = fields
		.iter()
		.filter(|(n, _)| n != "task")
		.map(|(n, v)| format!("{n}: {}", short(v)))
		.collect();
	if parts.is_empty() {
		String::new()
	} else {
		format!(" ({})", parts.join(", "))
	}
}

/// The 32 bytes of an account id or hash, however deeply wrapped.
fn bytes32(v: &Value<()>) -> Option<[u8; 32]> {
	fn walk(v: &Value<()>, out: &mut Vec<u8>) -> Option<()> {
		match &v.value {
			ValueDef::Composite(c) => c.values().try_for_each(|v| walk(v, out)),
			ValueDef::Primitive(Primitive::U128(b)) => {
				out.push(u8::try_from(*b).ok()?);
				(out.len() <= 32).then_some(())
			},
			_ => None,
		}
	}
	let mut out = Vec::with_capacity(32);
	walk(v, &mut out)?;
	out.try_into().ok()
}

fn short(v: &Value<()>) -> String {
	// A newtype (an account id wraps its bytes): look inside.
	if let ValueDef::Composite(Composite::Unnamed(items)) = &v.value {
		if items.len() == 1 && matches!(items[0].value, ValueDef::Composite(_)) {
			return short(&items[0]);
		}
	}
	if let Some(b) = bytes32(v) {
		return format!("0x{}…", hex::encode(&b[..4]));
	}
	if let ValueDef::Composite(Composite::Unnamed(items)) = &v.value {
		if !items.is_empty() && items.iter().all(|i| matches!(i.value, ValueDef::Composite(_))) {
			return format!("[{}]", items.iter().map(short).collect::<Vec<_>>().join(", "));
		}
	}
	match &v.value {
		ValueDef::Variant(var) => var.name.clone(),
		_ => format!("{v}"),
	}
}
