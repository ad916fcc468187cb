//! A loopback HTTP server for what tests serve to workers and the CLI: external inputs, model
//! programs, and hostile variants of them.

use std::{
	collections::HashMap,
	io::{Read, Write},
	net::TcpListener,
	sync::{Arc, Mutex},
};

/// What [`Files::serve`] answers a GET of `path` with, given how many GETs of `path` came
/// before: the body, or `None` for a 404.
pub type Reply = dyn Fn(&str, usize) -> Option<Vec<u8>> + Send + Sync;

/// A server on a loopback port, answering each connection from its own thread, that counts
/// the requests for each path.
pub struct Files {
	/// `http://127.0.0.1:PORT`.
	pub base: String,
	served: Arc<Mutex<HashMap<String, usize>>>,
}

impl Files {
	/// Serves whatever `reply` gives, for as long as the test runs.
	pub fn serve(reply: impl Fn(&str, usize) -> Option<Vec<u8>> + Send + Sync + 'static) -> Self {
		let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
		let base = format!("http://{}", listener.local_addr().expect("bound"));
		let served: Arc<Mutex<HashMap<String, usize>>> = Default::default();
		let reply: Arc<Reply> = Arc::new(reply);
		let counts = served.clone();
		std::thread::spawn(move || {
			for sock in listener.incoming() {
				let Ok(mut sock) = sock else { continue };
				let (reply, counts) = (reply.clone(), counts.clone());
				std::thread::spawn(move || {
					let mut buf = [0u8; 4096];
					let n = sock.read(&mut buf).unwrap_or(0);
					let head = String::from_utf8_lossy(&buf[..n]);
					let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
					let before = {
						let mut c = counts.lock().expect("not poisoned");
						let seen = c.entry(path.clone()).or_default();
						*seen += 1;
						*seen - 1
					};
					let answer = match reply(&path, before) {
						Some(body) => [
							format!(
								"HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
								body.len()
							)
							.into_bytes(),
							body,
						]
						.concat(),
						None => b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_vec(),
					};
					let _ = sock.write_all(&answer);
				});
			}
		});
		Self { base, served }
	}

	/// Serves fixed bodies by path.
	pub fn fixed(files: HashMap<String, Vec<u8>>) -> Self {
		Self::serve(move |path, _| files.get(path).cloned())
	}

	/// The URL of `path` (which starts with `/`).
	pub fn url(&self, path: &str) -> String {
		format!("{}{path}", self.base)
	}

	/// How many requests for `path` have come so far.
	pub fn requests(&self, path: &str) -> usize {
		self.served.lock().expect("not poisoned").get(path).copied().unwrap_or(0)
	}
}
