#!/usr/bin/env python3
"""Round-trip times of one JSON-RPC method over a node's WebSocket, with the client's delayed
ACKs on (the default) and off (TCP_QUICKACK re-armed before every read).

A large gap between the two maxima means the server holds small writes back (Nagle: its
sockets lack TCP_NODELAY) until the client's delayed ACK fires, about 40 ms on Linux.

Usage: scripts/rpc-probe.py PORT [METHOD [PARAMS_JSON]] (standard library only)
"""
import base64
import json
import os
import socket
import struct
import sys
import time


def probe(port, method, params, quickack, n=40):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        (
            f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(4096)
    buf = buf.split(b"\r\n\r\n", 1)[1]

    def send(obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        if len(data) < 126:
            head = bytes([0x81, 0x80 | len(data)])
        else:
            head = bytes([0x81, 0x80 | 126]) + struct.pack(">H", len(data))
        s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def frame():
        nonlocal buf
        while True:
            if quickack:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            if len(buf) >= 2:
                size, off = buf[1] & 0x7F, 2
                if size == 126:
                    size, off = struct.unpack(">H", buf[2:4])[0], 4
                elif size == 127:
                    size, off = struct.unpack(">Q", buf[2:10])[0], 10
                if len(buf) >= off + size:
                    msg, buf = buf[off : off + size], buf[off + size :]
                    return msg
            buf += s.recv(65536)

    times = []
    for i in range(n):
        started = time.perf_counter()
        send({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
        while True:  # skip pings and anything not ours
            try:
                if json.loads(frame()).get("id") == i:
                    break
            except ValueError:
                pass
        times.append((time.perf_counter() - started) * 1e3)
    s.close()
    times.sort()
    return times[len(times) // 2], times[-1]


def main():
    port = int(sys.argv[1])
    method = sys.argv[2] if len(sys.argv) > 2 else "chain_getBlockHash"
    params = json.loads(sys.argv[3]) if len(sys.argv) > 3 else []
    for quickack in (False, True):
        median, worst = probe(port, method, params, quickack)
        label = "delayed ACKs off" if quickack else "delayed ACKs on "
        print(f"{method} ({label}): median {median:.2f} ms, max {worst:.2f} ms")


if __name__ == "__main__":
    main()
