//! A small bounded HTTP(S) GET client: the worker fetches external task inputs with it and the
//! consumer CLI downloads results. Every fetch has a size limit (the body is refused as soon
//! as it grows past it, before it is all read), a timeout, and errors that say what failed.
//!
//! [`get_public`] is for URLs that someone else chose (a consumer's input URL, fetched by a
//! provider): it connects only to public addresses. A host that is, or resolves to, a loopback,
//! private, link-local, shared, reserved or multicast address is refused — checked on the
//! addresses actually connected to, so DNS rebinding cannot slip one in.

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::{
	client::legacy::{
		connect::{dns::Name, HttpConnector},
		Client,
	},
	rt::TokioExecutor,
};
use std::{
	future::Future,
	net::{IpAddr, SocketAddr},
	pin::Pin,
	task::{Context, Poll},
	time::Duration,
};

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
	#[error("bad URL {0:?} (expected http:// or https://)")]
	BadUrl(String),
	#[error("{url}: cannot connect or send: {why}")]
	Unreachable { url: String, why: String },
	#[error("{url}: no complete answer within {secs} s")]
	Timeout { url: String, secs: u64 },
	#[error("{url}: HTTP status {status}")]
	Status { url: String, status: u16 },
	#[error("{url}: body exceeds the limit of {limit} bytes")]
	TooLarge { url: String, limit: u64 },
	#[error("{url}: reading the body: {why}")]
	Body { url: String, why: String },
	#[error("no TLS root certificates: {0}")]
	Tls(String),
	#[error("{url}: {host} is (or resolves only to) a private or reserved address; refused")]
	PrivateAddress { url: String, host: String },
}

/// What a checked fetch gives: the bytes, or why they cannot be used (the fault a provider
/// reports on chain, and a message); the outer error is worth retrying (unreachable, timed
/// out, a server error).
pub type Checked = Result<Result<Vec<u8>, (aipin_primitives::InputFault, String)>, FetchError>;

/// Fetches what a task (or a model) declares to be `size` bytes hashing to `hash` at `url`:
/// public addresses only unless `allow_private`. Longer bodies are cut off as they arrive.
pub async fn fetch_checked(
	url: &str,
	hash: [u8; 32],
	size: u64,
	timeout: Duration,
	allow_private: bool,
) -> Checked {
	use aipin_primitives::InputFault;
	let fetched = if allow_private {
		get(url, size, timeout).await
	} else {
		get_public(url, size, timeout).await
	};
	match fetched {
		Ok(bytes) if bytes.len() as u64 != size => Ok(Err((
			InputFault::WrongSize,
			format!("{url}: {} bytes, {size} declared", bytes.len()),
		))),
		Ok(bytes) => match sp_crypto_hashing::blake2_256(&bytes) {
			got if got == hash => Ok(Ok(bytes)),
			got => Ok(Err((
				InputFault::WrongHash,
				format!(
					"{url}: content hash 0x{} is not the declared 0x{}",
					hex::encode(got),
					hex::encode(hash)
				),
			))),
		},
		// Transient: worth another try while there is time.
		Err(e @ (FetchError::Unreachable { .. } | FetchError::Timeout { .. })) => Err(e),
		Err(e @ FetchError::Status { status, .. }) if status >= 500 || status == 429 => Err(e),
		Err(e @ FetchError::TooLarge { .. }) => Ok(Err((InputFault::WrongSize, e.to_string()))),
		Err(e) => Ok(Err((InputFault::Unreachable, e.to_string()))),
	}
}

/// Whether `ip` is a public unicast address: not loopback, private (RFC 1918, IPv6 unique
/// local), link-local, shared (CGNAT), documentation, benchmarking, reserved, unspecified,
/// broadcast or multicast, and not an IPv4-mapped or -compatible form of one.
pub fn is_public(ip: IpAddr) -> bool {
	match ip {
		IpAddr::V4(v4) => {
			let [a, b, c, _] = v4.octets();
			!(v4.is_private()
				|| v4.is_loopback()
				|| v4.is_link_local()
				|| v4.is_broadcast()
				|| v4.is_documentation()
				|| v4.is_unspecified()
				|| v4.is_multicast()
				|| a == 0 || a >= 240
				|| (a == 100 && (64..128).contains(&b))
				|| (a == 192 && b == 0 && c == 0)
				|| (a == 198 && (18..20).contains(&b)))
		},
		IpAddr::V6(v6) => {
			if let Some(v4) = v6.to_ipv4() {
				return is_public(IpAddr::V4(v4));
			}
			let first = v6.segments()[0];
			!(v6.is_loopback()
				|| v6.is_unspecified()
				|| v6.is_multicast()
				|| (first & 0xfe00) == 0xfc00
				|| (first & 0xffc0) == 0xfe80
				|| first == 0x2001 && v6.segments()[1] == 0x0db8)
		},
	}
}

/// A resolver that keeps only public addresses (see [`is_public`]).
#[derive(Clone)]
struct PublicOnly;

impl tower_service::Service<Name> for PublicOnly {
	type Response = std::vec::IntoIter<SocketAddr>;
	type Error = std::io::Error;
	type Future =
		Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send + 'static>>;

	fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
		Poll::Ready(Ok(()))
	}

	fn call(&mut self, name: Name) -> Self::Future {
		Box::pin(async move {
			let all: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
			let public: Vec<SocketAddr> = all.into_iter().filter(|a| is_public(a.ip())).collect();
			if public.is_empty() {
				return Err(std::io::Error::new(
					std::io::ErrorKind::PermissionDenied,
					format!("{name} resolves to no public address"),
				));
			}
			Ok(public.into_iter())
		})
	}
}

/// Fetches `url`, refusing bodies longer than `limit` bytes; gives up after `timeout`. Any
/// address may be reached: use it for URLs the caller trusts (a provider's registered
/// endpoint); use [`get_public`] for URLs someone else chose.
pub async fn get(url: &str, limit: u64, timeout: Duration) -> Result<Vec<u8>, FetchError> {
	let uri = parse(url)?;
	let mut http = HttpConnector::new();
	http.enforce_http(false);
	fetch(url, uri, limit, timeout, http).await
}

/// [`get`], reaching only public addresses: an IP-literal host that is not public is refused
/// before anything is sent, and a name is resolved to its public addresses only (none: the
/// fetch fails as unreachable, saying why).
pub async fn get_public(url: &str, limit: u64, timeout: Duration) -> Result<Vec<u8>, FetchError> {
	let uri = parse(url)?;
	let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
	if let Ok(ip) = host.parse::<IpAddr>() {
		if !is_public(ip) {
			let (url, host) = (url.to_string(), host.to_string());
			return Err(FetchError::PrivateAddress { url, host });
		}
	}
	let mut http = HttpConnector::new_with_resolver(PublicOnly);
	http.enforce_http(false);
	fetch(url, uri, limit, timeout, http).await
}

/// Whether [`PublicOnly`] refused the host (its `PermissionDenied`, somewhere down the chain).
fn refused_by_resolver(e: &(dyn std::error::Error + 'static)) -> bool {
	let mut cause = Some(e);
	while let Some(c) = cause {
		if c.downcast_ref::<std::io::Error>()
			.is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied)
		{
			return true;
		}
		cause = c.source();
	}
	false
}

fn parse(url: &str) -> Result<hyper::Uri, FetchError> {
	let uri: hyper::Uri = url.parse().map_err(|_| FetchError::BadUrl(url.to_string()))?;
	if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
		return Err(FetchError::BadUrl(url.to_string()));
	}
	Ok(uri)
}

async fn fetch<R>(
	url: &str,
	uri: hyper::Uri,
	limit: u64,
	timeout: Duration,
	http: HttpConnector<R>,
) -> Result<Vec<u8>, FetchError>
where
	R: tower_service::Service<Name> + Clone + Send + Sync + 'static,
	R::Response: Iterator<Item = SocketAddr>,
	R::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
	R::Future: Send,
{
	let connector = hyper_rustls::HttpsConnectorBuilder::new()
		.with_native_roots()
		.map_err(|e| FetchError::Tls(e.to_string()))?
		.https_or_http()
		.enable_http1()
		.wrap_connector(http);
	let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
	let fetch = async {
		let host = uri.host().unwrap_or_default().to_string();
		let response = client.get(uri).await.map_err(|e| {
			if refused_by_resolver(&e) {
				FetchError::PrivateAddress { url: url.to_string(), host }
			} else {
				FetchError::Unreachable { url: url.to_string(), why: format!("{e:#}") }
			}
		})?;
		let status = response.status();
		if !status.is_success() {
			return Err(FetchError::Status { url: url.to_string(), status: status.as_u16() });
		}
		// A declared length over the limit is refused before reading anything.
		let declared = response
			.headers()
			.get(hyper::header::CONTENT_LENGTH)
			.and_then(|v| v.to_str().ok())
			.and_then(|v| v.parse::<u64>().ok());
		if declared.is_some_and(|n| n > limit) {
			return Err(FetchError::TooLarge { url: url.to_string(), limit });
		}
		let mut body = response.into_body();
		let mut out = Vec::with_capacity(declared.unwrap_or(0).min(limit) as usize);
		while let Some(frame) = body.frame().await {
			let frame =
				frame.map_err(|e| FetchError::Body { url: url.to_string(), why: e.to_string() })?;
			if let Some(data) = frame.data_ref() {
				if out.len() as u64 + data.len() as u64 > limit {
					return Err(FetchError::TooLarge { url: url.to_string(), limit });
				}
				out.extend_from_slice(data);
			}
		}
		Ok(out)
	};
	tokio::time::timeout(timeout, fetch)
		.await
		.map_err(|_| FetchError::Timeout { url: url.to_string(), secs: timeout.as_secs() })?
}

#[cfg(test)]
mod tests {
	use super::*;
	use tokio::io::{AsyncReadExt, AsyncWriteExt};

	/// Serves `reply` (raw HTTP) to every connection on a loopback port.
	async fn serve(reply: Vec<u8>) -> String {
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let addr = listener.local_addr().unwrap();
		tokio::spawn(async move {
			while let Ok((mut s, _)) = listener.accept().await {
				let reply = reply.clone();
				tokio::spawn(async move {
					let mut buf = [0u8; 1024];
					let _ = s.read(&mut buf).await;
					let _ = s.write_all(&reply).await;
					let _ = s.shutdown().await;
				});
			}
		});
		format!("http://{addr}/input.bin")
	}

	fn ok(body: &[u8], declare_length: bool) -> Vec<u8> {
		let mut r = b"HTTP/1.1 200 OK\r\nconnection: close\r\n".to_vec();
		if declare_length {
			r.extend(format!("content-length: {}\r\n", body.len()).bytes());
		}
		r.extend(b"\r\n");
		r.extend(body);
		r
	}

	#[tokio::test]
	async fn fetches_within_the_limit() {
		let url = serve(ok(&[7u8; 5000], true)).await;
		assert_eq!(get(&url, 5000, Duration::from_secs(5)).await.unwrap(), vec![7u8; 5000]);
	}

	#[tokio::test]
	async fn refuses_a_declared_or_streamed_body_over_the_limit() {
		let url = serve(ok(&[7u8; 5000], true)).await;
		let e = get(&url, 4999, Duration::from_secs(5)).await.unwrap_err();
		assert!(matches!(e, FetchError::TooLarge { limit: 4999, .. }), "{e}");
		// No content-length: the limit is enforced while streaming.
		let url = serve(ok(&[7u8; 5000], false)).await;
		let e = get(&url, 4999, Duration::from_secs(5)).await.unwrap_err();
		assert!(matches!(e, FetchError::TooLarge { .. }), "{e}");
	}

	#[tokio::test]
	async fn reports_status_unreachable_timeout_and_bad_urls() {
		let url = serve(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_vec()).await;
		let e = get(&url, 10, Duration::from_secs(5)).await.unwrap_err();
		assert!(matches!(e, FetchError::Status { status: 404, .. }), "{e}");

		// A port nobody listens on.
		let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
		let e = get(&format!("http://127.0.0.1:{port}/x"), 10, Duration::from_secs(5))
			.await
			.unwrap_err();
		assert!(matches!(e, FetchError::Unreachable { .. }), "{e}");

		// A server that accepts and never answers.
		let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let addr = silent.local_addr().unwrap();
		tokio::spawn(async move {
			let mut held = Vec::new();
			while let Ok((s, _)) = silent.accept().await {
				held.push(s);
			}
		});
		let e = get(&format!("http://{addr}/x"), 10, Duration::from_millis(300)).await.unwrap_err();
		assert!(matches!(e, FetchError::Timeout { .. }), "{e}");

		for bad in ["ftp://example.com/x", "not a url", "file:///etc/passwd", "/relative"] {
			let e = get(bad, 10, Duration::from_secs(1)).await.unwrap_err();
			assert!(matches!(e, FetchError::BadUrl(_)), "{bad}: {e}");
		}
	}

	/// A consumer's input URL must not make providers fetch from their own networks
	/// (metadata services, admin pages, the node's RPC).
	#[tokio::test]
	async fn get_public_refuses_private_and_reserved_hosts() {
		let url = serve(ok(b"secret", true)).await; // on 127.0.0.1
		assert_eq!(get(&url, 100, Duration::from_secs(5)).await.unwrap(), b"secret");
		let e = get_public(&url, 100, Duration::from_secs(5)).await.unwrap_err();
		assert!(matches!(e, FetchError::PrivateAddress { .. }), "{e}");
		// A name that resolves only to loopback is refused at resolution.
		let by_name = url.replace("127.0.0.1", "localhost");
		let e = get_public(&by_name, 100, Duration::from_secs(5)).await.unwrap_err();
		assert!(
			matches!(e, FetchError::PrivateAddress { ref host, .. } if host == "localhost"),
			"{e}"
		);
		for url in [
			"http://10.1.2.3/x",
			"http://169.254.169.254/latest/meta-data",
			"http://[::1]:8080/x",
			"http://[::ffff:192.168.0.1]/x",
			"http://0.0.0.0/x",
		] {
			let e = get_public(url, 100, Duration::from_secs(5)).await.unwrap_err();
			assert!(matches!(e, FetchError::PrivateAddress { .. }), "{url}: {e}");
		}
	}

	#[test]
	fn public_addresses_are_told_from_the_rest() {
		for ip in ["1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "100.128.0.1", "172.32.0.1"] {
			assert!(is_public(ip.parse().unwrap()), "{ip}");
		}
		for ip in [
			"127.0.0.1",
			"10.0.0.1",
			"172.16.0.1",
			"192.168.1.1",
			"169.254.1.1",
			"100.64.0.1",
			"0.1.2.3",
			"255.255.255.255",
			"224.0.0.1",
			"192.0.2.1",
			"198.18.0.1",
			"240.0.0.1",
			"::1",
			"::",
			"fc00::1",
			"fd12::1",
			"fe80::1",
			"ff02::1",
			"2001:db8::1",
			"::ffff:10.0.0.1",
		] {
			assert!(!is_public(ip.parse().unwrap()), "{ip}");
		}
	}
}
