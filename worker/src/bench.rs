//! `aipin-worker bench`: kernel throughput on this device against its int32 multiply-add peak
//! and against the plain CPU reference. Feeds the `throughput` of a provider's profile.

use crate::{
	gpu::{Gpu, GpuError},
	kernels::Kernels,
};
use aipin_kernels::Kernel;
use aipin_primitives::seeded_input;
use std::time::{Duration, Instant};

/// The peak microbenchmark: chains of independent int32 multiply-adds in registers.
const PEAK_WGSL: &str = r#"
struct P { iters: u32, seed: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let m = vec4<u32>(1664525u, 22695477u, 1103515245u, 134775813u);
    let c = vec4<u32>(1013904223u, 1u, 12345u, 7u);
    var a = vec4<u32>(gid.x, gid.x ^ p.seed, gid.x + 1u, gid.x + 2u);
    var b = a + vec4<u32>(3u);
    var d = a + vec4<u32>(5u);
    var e = a + vec4<u32>(9u);
    for (var i = 0u; i < p.iters; i++) {
        a = a * m + c;
        b = b * m + c;
        d = d * m + c;
        e = e * m + c;
    }
    let r = a ^ b ^ d ^ e;
    out[gid.x] = r.x ^ r.y ^ r.z ^ r.w;
}
"#;

/// Multiply-adds per invocation and iteration in [`PEAK_WGSL`], counted as two operations.
const PEAK_OPS_PER_ITER: u64 = 16 * 2;

/// One measured row.
#[derive(Clone, Debug)]
pub struct Row {
	pub kernel: String,
	pub params: Vec<u32>,
	/// Operations per run.
	pub ops: u64,
	/// Work units per run (the registry's formula).
	pub work_units: u64,
	/// Best wall time of a full run on the GPU (layout, upload, dispatch, read back).
	pub gpu: Duration,
	/// Wall time of the CPU reference (one thread).
	pub cpu: Option<Duration>,
}

impl Row {
	pub fn gpu_gops(&self) -> f64 {
		self.ops as f64 / self.gpu.as_secs_f64() / 1e9
	}
	pub fn cpu_gops(&self) -> Option<f64> {
		self.cpu.map(|c| self.ops as f64 / c.as_secs_f64() / 1e9)
	}
	pub fn units_per_s(&self) -> f64 {
		self.work_units as f64 / self.gpu.as_secs_f64()
	}
}

/// Int32 multiply-add peak of the device, in GOPS.
pub fn peak_gops(gpu: &Gpu) -> Result<f64, GpuError> {
	let pipeline = gpu.pipeline("peak", PEAK_WGSL)?;
	let invocations: u32 = 64 * 1024;
	let out = gpu.output("peak out", invocations as u64 * 4);
	let mut iters = 64u32;
	loop {
		let params = gpu.uniform("peak params", bytemuck::cast_slice(&[iters, 7u32, 0, 0]));
		let group = gpu.bind(&pipeline, &[&params, &out]);
		let start = Instant::now();
		gpu.run(&pipeline, &[(&group, [invocations / 64, 1, 1])])?;
		let t = start.elapsed();
		// Grow the run until it takes long enough to time well.
		if t < Duration::from_millis(300) && iters < (1 << 20) {
			iters *= 4;
			continue;
		}
		let ops = invocations as u64 * iters as u64 * PEAK_OPS_PER_ITER;
		return Ok(ops as f64 / t.as_secs_f64() / 1e9);
	}
}

/// Times `kind` with `params` on seeded input: best of `repeat` GPU runs, one CPU run. The
/// outputs must agree, or the benchmark fails (a device that computes wrong is not fast).
pub fn measure(
	gpu: &Gpu,
	kernels: &Kernels,
	kind: Kernel,
	params: &[u32],
	repeat: u32,
	with_cpu: bool,
) -> anyhow::Result<Row> {
	let name = kind.name();
	let len = kind.input_bytes(params) as usize;
	let input = seeded_input(&[0xA1; 32], len);
	let mut best = Duration::MAX;
	let mut out = Vec::new();
	for _ in 0..repeat.max(1) {
		let start = Instant::now();
		out = kernels.run(gpu, kind, params, &input)?;
		best = best.min(start.elapsed());
	}
	let cpu = if with_cpu {
		let start = Instant::now();
		let expected = kind.reference(params, &input)?;
		let t = start.elapsed();
		anyhow::ensure!(
			expected == out,
			"{name} {params:?}: GPU output differs from the CPU reference"
		);
		Some(t)
	} else {
		None
	};
	Ok(Row {
		kernel: name.to_string(),
		params: params.to_vec(),
		ops: kind.ops(params),
		work_units: kind.work_units(params),
		gpu: best,
		cpu,
	})
}

/// The standard set of measurements; `quick` uses smaller sizes.
pub fn standard(gpu: &Gpu, kernels: &Kernels, quick: bool) -> anyhow::Result<(f64, Vec<Row>)> {
	let peak = peak_gops(gpu)?;
	let gemm: &[[u32; 3]] = if quick {
		&[[256, 256, 256]]
	} else {
		&[[256, 256, 256], [512, 512, 512], [1024, 1024, 1024]]
	};
	let mut rows = Vec::new();
	for p in gemm {
		tracing::info!(target: "aipin::bench", "gemm-i8 {p:?}");
		rows.push(measure(gpu, kernels, Kernel::GemmI8, p, 3, true)?);
	}
	let mlp: [u32; 3] = if quick { [64, 256, 2] } else { [256, 1024, 4] };
	tracing::info!(target: "aipin::bench", "mlp-q8 {mlp:?}");
	rows.push(measure(gpu, kernels, Kernel::MlpQ8, &mlp, 3, true)?);
	let hash: [u32; 2] = if quick { [4096, 256] } else { [65_536, 1024] };
	tracing::info!(target: "aipin::bench", "hash-batch {hash:?}");
	rows.push(measure(gpu, kernels, Kernel::HashBatch, &hash, 3, true)?);
	Ok((peak, rows))
}

/// Renders the table.
pub fn table(gpu: &Gpu, peak: f64, rows: &[Row]) -> String {
	let mut s = format!(
		"device: {} ({:?}, {:?})\nint32 multiply-add peak: {peak:.1} GOPS\n\n",
		gpu.info.name, gpu.info.backend, gpu.info.device_type
	);
	s.push_str(
		"| kernel | params | GPU ms | GPU GOPS | % of peak | work units/s | CPU ms | CPU GOPS | GPU/CPU |\n",
	);
	s.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for r in rows {
		let cpu_ms = r.cpu.map_or("-".into(), |c| format!("{:.1}", c.as_secs_f64() * 1e3));
		let cpu_gops = r.cpu_gops().map_or("-".into(), |g| format!("{g:.2}"));
		let ratio = r.cpu_gops().map_or("-".into(), |g| format!("{:.2}", r.gpu_gops() / g));
		s.push_str(&format!(
			"| {} | {:?} | {:.1} | {:.2} | {:.1}% | {:.0} | {} | {} | {} |\n",
			r.kernel,
			r.params,
			r.gpu.as_secs_f64() * 1e3,
			r.gpu_gops(),
			100.0 * r.gpu_gops() / peak,
			r.units_per_s(),
			cpu_ms,
			cpu_gops,
			ratio,
		));
	}
	s
}
