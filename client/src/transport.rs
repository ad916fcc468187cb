//! The WebSocket under the client: for `ws://` nodes, a TCP stream that acknowledges every
//! segment at once.
//!
//! A node's RPC server (sc-rpc-server 33) does not set `TCP_NODELAY` on the sockets it accepts,
//! so a reply written in two pieces is held back after the first (Nagle's algorithm) until the
//! client acknowledges it, and a Linux client delays that acknowledgement by up to 40 ms. That
//! made a single read take 0.1 ms or 44 ms at random (`scripts/rpc-probe.py`), and was most of
//! a worker's time between picking a task up and storing its result. Re-arming `TCP_QUICKACK`
//! before every read makes the kernel acknowledge at once, so no reply waits. `TCP_NODELAY` on
//! our side sends each request whole without waiting either. On other systems, and for `wss://`
//! (whose TLS stream jsonrpsee builds itself), the default transport is used.

use core::{
	pin::Pin,
	task::{Context, Poll},
};
use jsonrpsee::{
	client_transport::ws::{Url, WsTransportClientBuilder},
	core::client::{Client, ClientBuilder},
};
use tokio::{
	io::{AsyncRead, AsyncWrite, ReadBuf},
	net::TcpStream,
};

/// Subscription notifications buffered per subscription before the client drops it.
const SUBSCRIPTION_BUFFER: usize = 4096;

/// A TCP stream that acknowledges what it receives without delay.
pub(crate) struct QuickAck(TcpStream);

impl QuickAck {
	/// Connects to `addr` with `TCP_NODELAY` set.
	async fn connect(addr: (&str, u16)) -> std::io::Result<Self> {
		let stream = TcpStream::connect(addr).await?;
		stream.set_nodelay(true)?;
		Ok(Self(stream))
	}

	/// Asks the kernel to acknowledge the next segments at once. Linux leaves quick-ack mode
	/// again by itself, so this is repeated before every read; it cannot fail on a connected
	/// TCP socket, and a failure would only bring back the delay.
	fn rearm(&self) {
		#[cfg(target_os = "linux")]
		let _ = socket2::SockRef::from(&self.0).set_tcp_quickack(true);
	}
}

impl AsyncRead for QuickAck {
	fn poll_read(
		mut self: Pin<&mut Self>,
		cx: &mut Context<'_>,
		buf: &mut ReadBuf<'_>,
	) -> Poll<std::io::Result<()>> {
		self.rearm();
		Pin::new(&mut self.0).poll_read(cx, buf)
	}
}

impl AsyncWrite for QuickAck {
	fn poll_write(
		mut self: Pin<&mut Self>,
		cx: &mut Context<'_>,
		buf: &[u8],
	) -> Poll<std::io::Result<usize>> {
		Pin::new(&mut self.0).poll_write(cx, buf)
	}

	fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
		Pin::new(&mut self.0).poll_flush(cx)
	}

	fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
		Pin::new(&mut self.0).poll_shutdown(cx)
	}
}

/// A JSON-RPC client to the node at `url`: over [`QuickAck`] for `ws://`, jsonrpsee's own
/// transport (TLS included) otherwise.
pub(crate) async fn connect(url: &str) -> Result<Client, String> {
	let parsed = Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
	let builder =
		ClientBuilder::default().max_buffer_capacity_per_subscription(SUBSCRIPTION_BUFFER);
	if parsed.scheme() == "ws" {
		let host = parsed.host_str().ok_or("the URL names no host")?;
		let port = parsed.port_or_known_default().unwrap_or(80);
		// An IPv6 literal comes bracketed in URLs, not in socket addresses.
		let host = host.trim_start_matches('[').trim_end_matches(']');
		let stream = QuickAck::connect((host, port)).await.map_err(|e| e.to_string())?;
		let (sender, receiver) = WsTransportClientBuilder::default()
			.build_with_stream(parsed, stream)
			.await
			.map_err(|e| e.to_string())?;
		Ok(builder.build_with_tokio(sender, receiver))
	} else {
		let (sender, receiver) =
			WsTransportClientBuilder::default().build(parsed).await.map_err(|e| e.to_string())?;
		Ok(builder.build_with_tokio(sender, receiver))
	}
}

#[cfg(test)]
mod tests {
	use super::connect;

	#[tokio::test]
	async fn a_bad_address_gets_a_reason_not_a_hang() {
		let refused = connect("ws://127.0.0.1:1").await.expect_err("nothing listens on port 1");
		assert!(refused.to_lowercase().contains("refused"), "{refused}");
		let not_url = connect("not a url").await.expect_err("not a URL");
		assert!(not_url.starts_with("not a URL"), "{not_url}");
	}

	#[tokio::test]
	async fn the_stream_carries_a_websocket_handshake_to_whoever_listens() {
		// A listener that answers nothing: the handshake is sent over our stream, whole.
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let port = listener.local_addr().unwrap().port();
		let server = tokio::spawn(async move {
			let (mut sock, _) = listener.accept().await.unwrap();
			let mut buf = vec![0u8; 4096];
			let n = tokio::io::AsyncReadExt::read(&mut sock, &mut buf).await.unwrap();
			String::from_utf8_lossy(&buf[..n]).into_owned()
		});
		let client = tokio::spawn(async move { connect(&format!("ws://127.0.0.1:{port}")).await });
		let request = server.await.unwrap();
		assert!(request.starts_with("GET / HTTP/1.1"), "{request}");
		assert!(request.to_lowercase().contains("upgrade: websocket"), "{request}");
		// The listener hung up without answering: the client says so instead of waiting.
		assert!(client.await.unwrap().is_err());
	}
}
