"""The lab's client: every INTERVAL an HTTPS request to the VIP (the course's frontend
redirects plain HTTP to HTTPS), one new connection each; one line per probe on stdout:
`<monotonic seconds> ok|fail <answer>`. Runs inside the client namespace; the host's
monotonic clock is shared by every namespace, so the lab compares times directly."""

from __future__ import annotations

import argparse
import asyncio
import ssl
import time


async def one(vip: str, port: int, timeout: float, context: ssl.SSLContext) -> str:
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(vip, port, ssl=context), timeout)
    try:
        writer.write(b"GET / HTTP/1.1\r\nhost: lab\r\nconnection: close\r\n\r\n")
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    return data.rsplit(b"\r\n\r\n", 1)[-1].decode().strip() or "empty"


async def run(vip: str, port: int, interval: float, duration: float) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the lab's self-signed certificate
    end = time.monotonic() + duration
    while time.monotonic() < end:
        started = time.monotonic()
        try:
            answer = await one(vip, port, interval * 0.9, context)
            print(f"{started:.6f} ok {answer}", flush=True)
        except (OSError, TimeoutError, ssl.SSLError):
            print(f"{started:.6f} fail", flush=True)
        await asyncio.sleep(max(0.0, started + interval - time.monotonic()))


def main() -> None:
    parser = argparse.ArgumentParser(prog="hacore-lab-probe")
    parser.add_argument("--vip", required=True)
    parser.add_argument("--port", type=int, default=443)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--duration", type=float, required=True)
    args = parser.parse_args()
    asyncio.run(run(args.vip, args.port, args.interval, args.duration))


if __name__ == "__main__":
    main()
