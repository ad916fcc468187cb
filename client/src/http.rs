//! A small bounded HTTP(S) GET client: the worker fetches external task inputs with it and the
//! consumer CLI downloads results. Every fetch has a size limit (the body is refused as soon
//! as it grows past it, before it is all read), a timeout, and errors that say what failed.

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use std::time::Duration;

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
}

/// Fetches `url`, refusing bodies longer than `limit` bytes; gives up after `timeout`.
pub async fn get(url: &str, limit: u64, timeout: Duration) -> Result<Vec<u8>, FetchError> {
	let uri: hyper::Uri = url.parse().map_err(|_| FetchError::BadUrl(url.to_string()))?;
	if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
		return Err(FetchError::BadUrl(url.to_string()));
	}
	let connector = hyper_rustls::HttpsConnectorBuilder::new()
		.with_native_roots()
		.map_err(|e| FetchError::Tls(e.to_string()))?
		.https_or_http()
		.enable_http1()
		.build();
	let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
	let fetch = async {
		let response = client
			.get(uri)
			.await
			.map_err(|e| FetchError::Unreachable { url: url.to_string(), why: format!("{e:#}") })?;
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
}
