//! One GPU context per process: adapter selection (honouring wgpu's environment variables),
//! device-lost and uncaptured-error tracking, buffer helpers and pipeline creation with
//! compile errors reported instead of panicking.

use std::{
	borrow::Cow,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Mutex,
	},
};
use wgpu::util::DeviceExt;

/// Why GPU work failed.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
	#[error("no GPU adapter found (backends {0:?}); on a machine without a GPU install Mesa's lavapipe (mesa-vulkan-drivers)")]
	NoAdapter(wgpu::Backends),
	#[error("no adapter matches WGPU_ADAPTER_NAME={0:?}; `aipin-worker devices` lists them")]
	NoMatchingAdapter(String),
	#[error("requesting the device failed: {0}")]
	Device(#[from] wgpu::RequestDeviceError),
	#[error("the device was lost: {0}")]
	DeviceLost(String),
	#[error("GPU validation error: {0}")]
	Validation(String),
	#[error("shader `{name}` failed to compile: {message}")]
	Shader { name: String, message: String },
	#[error("reading results back failed: {0}")]
	Readback(String),
	#[error("{what} needs {needed} bytes in one buffer; the device allows {limit}")]
	TooLarge { what: &'static str, needed: u64, limit: u64 },
}

/// A description of an adapter, for `devices` and logs.
#[derive(Clone, Debug)]
pub struct AdapterSummary {
	pub name: String,
	pub backend: String,
	pub device_type: String,
	pub driver: String,
}

impl From<&wgpu::AdapterInfo> for AdapterSummary {
	fn from(i: &wgpu::AdapterInfo) -> Self {
		Self {
			name: i.name.clone(),
			backend: format!("{:?}", i.backend),
			device_type: format!("{:?}", i.device_type),
			driver: format!("{} {}", i.driver, i.driver_info).trim().to_string(),
		}
	}
}

/// The GPU context: built once, shared by every kernel.
pub struct Gpu {
	pub device: wgpu::Device,
	pub queue: wgpu::Queue,
	pub info: wgpu::AdapterInfo,
	pub limits: wgpu::Limits,
	lost: Arc<Mutex<Option<String>>>,
	errors: Arc<Mutex<Vec<String>>>,
	poisoned: Arc<AtomicBool>,
}

fn instance() -> wgpu::Instance {
	// Honours WGPU_BACKEND, WGPU_VALIDATION, WGPU_DEBUG, ... .
	wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

fn backends() -> wgpu::Backends {
	wgpu::Backends::from_env().unwrap_or(wgpu::Backends::all())
}

/// Every adapter wgpu can see with the current environment.
pub fn adapters() -> Vec<AdapterSummary> {
	let instance = instance();
	pollster::block_on(instance.enumerate_adapters(backends()))
		.iter()
		.map(|a| AdapterSummary::from(&a.get_info()))
		.collect()
}

impl Gpu {
	/// Picks an adapter — the one whose name contains `WGPU_ADAPTER_NAME` if set, else the
	/// default for `WGPU_POWER_PREF` — and opens a device with the adapter's own limits.
	pub fn new() -> Result<Self, GpuError> {
		let instance = instance();
		let adapter = match std::env::var("WGPU_ADAPTER_NAME") {
			Ok(wanted) => {
				let lower = wanted.to_lowercase();
				pollster::block_on(instance.enumerate_adapters(backends()))
					.into_iter()
					.find(|a| a.get_info().name.to_lowercase().contains(&lower))
					.ok_or(GpuError::NoMatchingAdapter(wanted))?
			},
			Err(_) => pollster::block_on(
				instance.request_adapter(&wgpu::RequestAdapterOptions {
					power_preference: wgpu::PowerPreference::from_env()
						.unwrap_or(wgpu::PowerPreference::HighPerformance),
					..Default::default()
				}),
			)
			.map_err(|_| GpuError::NoAdapter(backends()))?,
		};
		let info = adapter.get_info();
		let limits = adapter.limits();
		let (device, queue) =
			pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
				label: Some("aipin-worker"),
				required_features: wgpu::Features::empty(),
				required_limits: limits.clone(),
				experimental_features: wgpu::ExperimentalFeatures::disabled(),
				memory_hints: wgpu::MemoryHints::Performance,
				trace: wgpu::Trace::Off,
			}))?;
		let lost = Arc::new(Mutex::new(None));
		let errors = Arc::new(Mutex::new(Vec::new()));
		let poisoned = Arc::new(AtomicBool::new(false));
		{
			let lost = lost.clone();
			let poisoned = poisoned.clone();
			device.set_device_lost_callback(move |reason, message| {
				tracing::error!(target: "aipin::gpu", ?reason, %message, "GPU device lost");
				*lost.lock().unwrap_or_else(|e| e.into_inner()) =
					Some(format!("{reason:?}: {message}"));
				poisoned.store(true, Ordering::SeqCst);
			});
		}
		{
			let errors = errors.clone();
			device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
				tracing::error!(target: "aipin::gpu", error = %e, "uncaptured GPU error");
				errors.lock().unwrap_or_else(|e| e.into_inner()).push(e.to_string());
			}));
		}
		tracing::info!(
			target: "aipin::gpu",
			adapter = %info.name, backend = ?info.backend, kind = ?info.device_type,
			"GPU ready"
		);
		Ok(Self { device, queue, info, limits, lost, errors, poisoned })
	}

	/// Fails if the device was lost or an uncaptured error happened since the last check.
	pub fn check(&self) -> Result<(), GpuError> {
		if self.poisoned.load(Ordering::SeqCst) {
			let why = self.lost.lock().unwrap_or_else(|e| e.into_inner()).clone();
			return Err(GpuError::DeviceLost(why.unwrap_or_default()));
		}
		let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
		if !errors.is_empty() {
			let all = errors.join("; ");
			errors.clear();
			return Err(GpuError::Validation(all));
		}
		Ok(())
	}

	/// Whether the device is gone for good (the worker must rebuild its context).
	pub fn is_lost(&self) -> bool {
		self.poisoned.load(Ordering::SeqCst)
	}

	/// Largest buffer a single binding can hold.
	pub fn max_binding(&self) -> u64 {
		self.limits.max_storage_buffer_binding_size.min(self.limits.max_buffer_size)
	}

	/// Checks that `bytes` fit in one storage binding.
	pub fn ensure_fits(&self, what: &'static str, bytes: u64) -> Result<(), GpuError> {
		let limit = self.max_binding();
		if bytes > limit {
			return Err(GpuError::TooLarge { what, needed: bytes, limit });
		}
		Ok(())
	}

	/// Compiles `source` into a compute pipeline with entry point `main`; compile and
	/// validation errors come back as [`GpuError::Shader`].
	pub fn pipeline(&self, name: &str, source: &str) -> Result<wgpu::ComputePipeline, GpuError> {
		let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
		let module = self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
			label: Some(name),
			source: wgpu::ShaderSource::Wgsl(Cow::Borrowed(source)),
		});
		let pipeline = self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
			label: Some(name),
			layout: None,
			module: &module,
			entry_point: Some("main"),
			compilation_options: Default::default(),
			cache: None,
		});
		if let Some(e) = pollster::block_on(scope.pop()) {
			return Err(GpuError::Shader { name: name.to_string(), message: e.to_string() });
		}
		Ok(pipeline)
	}

	/// A read-only storage buffer holding `data` (at least 4 bytes, zero-padded to a
	/// multiple of 4).
	pub fn input(&self, label: &str, data: &[u8]) -> wgpu::Buffer {
		let mut padded;
		let contents = if !data.len().is_multiple_of(4) || data.is_empty() {
			padded = data.to_vec();
			padded.resize(data.len().div_ceil(4).max(1) * 4, 0);
			&padded[..]
		} else {
			data
		};
		self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
			label: Some(label),
			contents,
			usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
		})
	}

	/// A uniform buffer holding `data`.
	pub fn uniform(&self, label: &str, data: &[u8]) -> wgpu::Buffer {
		self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
			label: Some(label),
			contents: data,
			usage: wgpu::BufferUsages::UNIFORM,
		})
	}

	/// A zeroed read-write storage buffer of `size` bytes that can be read back.
	pub fn output(&self, label: &str, size: u64) -> wgpu::Buffer {
		self.device.create_buffer(&wgpu::BufferDescriptor {
			label: Some(label),
			size: size.max(4).div_ceil(4) * 4,
			usage: wgpu::BufferUsages::STORAGE
				| wgpu::BufferUsages::COPY_SRC
				| wgpu::BufferUsages::COPY_DST,
			mapped_at_creation: false,
		})
	}

	/// Binds `buffers` to bindings 0, 1, ... of `pipeline`'s group 0.
	pub fn bind(
		&self,
		pipeline: &wgpu::ComputePipeline,
		buffers: &[&wgpu::Buffer],
	) -> wgpu::BindGroup {
		let layout = pipeline.get_bind_group_layout(0);
		let entries: Vec<wgpu::BindGroupEntry> = buffers
			.iter()
			.enumerate()
			.map(|(i, b)| wgpu::BindGroupEntry {
				binding: i as u32,
				resource: b.as_entire_binding(),
			})
			.collect();
		self.device.create_bind_group(&wgpu::BindGroupDescriptor {
			label: None,
			layout: &layout,
			entries: &entries,
		})
	}

	/// Records one dispatch per `(bind group, workgroups)` into one submission and waits for it.
	pub fn run(
		&self,
		pipeline: &wgpu::ComputePipeline,
		dispatches: &[(&wgpu::BindGroup, [u32; 3])],
	) -> Result<(), GpuError> {
		let mut encoder = self.device.create_command_encoder(&Default::default());
		Self::record(&mut encoder, pipeline, dispatches);
		self.submit(encoder)
	}

	/// Records one compute pass of `dispatches` into `encoder`, to be sent with others in one
	/// [`submit`](Self::submit). Passes run in the order recorded, each seeing the writes of
	/// the ones before.
	pub fn record(
		encoder: &mut wgpu::CommandEncoder,
		pipeline: &wgpu::ComputePipeline,
		dispatches: &[(&wgpu::BindGroup, [u32; 3])],
	) {
		let mut pass = encoder.begin_compute_pass(&Default::default());
		pass.set_pipeline(pipeline);
		for (group, [x, y, z]) in dispatches {
			pass.set_bind_group(0, Some(*group), &[]);
			pass.dispatch_workgroups(*x, *y, *z);
		}
	}

	/// Submits everything recorded in `encoder` and waits for it.
	pub fn submit(&self, encoder: wgpu::CommandEncoder) -> Result<(), GpuError> {
		self.queue.submit([encoder.finish()]);
		self.wait()?;
		self.check()
	}

	/// Waits for all submitted work.
	pub fn wait(&self) -> Result<(), GpuError> {
		self.device
			.poll(wgpu::PollType::wait_indefinitely())
			.map(|_| ())
			.map_err(|e| GpuError::DeviceLost(e.to_string()))
	}

	/// Copies the first `size` bytes of `buffer` back to the host.
	pub fn read(&self, buffer: &wgpu::Buffer, size: u64) -> Result<Vec<u8>, GpuError> {
		Ok(self.read_all(&[(buffer, size)])?.pop().unwrap_or_default())
	}

	/// Copies the first `size` bytes of each buffer back to the host, in one submission.
	pub fn read_all(&self, buffers: &[(&wgpu::Buffer, u64)]) -> Result<Vec<Vec<u8>>, GpuError> {
		let mut encoder = self.device.create_command_encoder(&Default::default());
		let staging: Vec<wgpu::Buffer> = buffers
			.iter()
			.map(|&(buffer, size)| {
				let padded = size.max(4).div_ceil(4) * 4;
				let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
					label: Some("readback"),
					size: padded,
					usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
					mapped_at_creation: false,
				});
				encoder.copy_buffer_to_buffer(buffer, 0, &staging, 0, padded);
				staging
			})
			.collect();
		self.queue.submit([encoder.finish()]);
		let (tx, rx) = std::sync::mpsc::channel();
		for s in &staging {
			let tx = tx.clone();
			s.map_async(wgpu::MapMode::Read, .., move |r| {
				let _ = tx.send(r);
			});
		}
		drop(tx);
		self.wait()?;
		for _ in &staging {
			rx.recv()
				.map_err(|e| GpuError::Readback(e.to_string()))?
				.map_err(|e| GpuError::Readback(e.to_string()))?;
		}
		let mut out = Vec::with_capacity(staging.len());
		for (s, &(_, size)) in staging.iter().zip(buffers) {
			let bytes = {
				let view = s.get_mapped_range(..).map_err(|e| GpuError::Readback(e.to_string()))?;
				view[..size as usize].to_vec()
			};
			s.unmap();
			out.push(bytes);
		}
		self.check()?;
		Ok(out)
	}
}
