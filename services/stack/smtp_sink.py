#!/usr/bin/python3
"""The development mail server of hosho-stack: a real SMTP server (Debian's python3-aiosmtpd) on
loopback that keeps every message it accepts as one file, so the demo can show and the tests can
count what hosho-notification sent.

  smtp_sink.py --port N --dir DIR [--delay-ms MS] [--tls-cert F --tls-key F]

Each accepted message becomes DIR/<arrival ns>-<n>.eml (written to a temporary name, then renamed,
so a reader never sees half a message), its first lines X-Sink-Mail-From / X-Sink-Rcpt-To.
Recipients ending in @reject.invalid get 550 (a permanent refusal), @defer.invalid get 451 (try
again later): the tests use them to see hosho's delivery failures and retries. A message to @slow-ack.invalid is
stored at once but answered 250 only three seconds later: a test kills the sender in between, as a
crash after the server took a message and before hosho recorded it would. --delay-ms makes
the server slow to accept each recipient (before any message data), so a test can kill the sender
while deliveries are in flight. With --tls-cert/--tls-key the server offers STARTTLS and requires it
before MAIL FROM, as a city's submission server would.
"""
import argparse
import asyncio
import itertools
import os
import signal
import ssl
import time

from aiosmtpd.smtp import SMTP


class Recorder:
    def __init__(self, directory, delay):
        self.directory = directory
        self.delay = delay
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        if address.endswith("@reject.invalid"):
            return "550 5.1.1 mailbox unavailable"
        if address.endswith("@defer.invalid"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        name = "%d-%06d.eml" % (time.time_ns(), n)
        temporary = os.path.join(self.directory, "." + name + ".tmp")
        with open(temporary, "wb") as out:
            out.write(b"X-Sink-Mail-From: " + envelope.mail_from.encode() + b"\r\n")
            out.write(b"X-Sink-Rcpt-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            out.write(envelope.original_content)
            out.flush()
            os.fsync(out.fileno())
        os.rename(temporary, os.path.join(self.directory, name))
        if any(r.endswith("@slow-ack.invalid") for r in envelope.rcpt_tos):
            await asyncio.sleep(3)
        return "250 2.0.0 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    recorder = Recorder(args.dir, args.delay_ms / 1000.0)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(recorder, hostname="hosho-dev-mail", data_size_limit=10 * 1024 * 1024,
                                        tls_context=tls, require_starttls=tls is not None),
                           host="127.0.0.1", port=args.port))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    print("smtp sink listening on 127.0.0.1:%d, writing to %s" % (args.port, args.dir), flush=True)
    loop.run_forever()
    server.close()


if __name__ == "__main__":
    main()
