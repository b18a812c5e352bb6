"""The cluster's SMTP sink: dutyflow's MailSink on a fixed local port, keeping one short line per message.

    python -m bench.cluster.sink --port 8125 --log STATE/sink/deliveries.tsv

MailSink keeps every parsed message in memory (right for tests, too much for 10,000s of
messages); here `_keep` is replaced so that nothing but one line per accepted message is written:

    <unix time>\t<Message-ID>\t<recipient>,<recipient>...

The log is opened in append mode, so it survives a restart of the sink (the SMTP-outage fault
stops and restarts this process) and can be truncated from outside between runs.
"""

from __future__ import annotations

import argparse
import email.policy
import os
import signal
import threading
import time
from email.parser import BytesHeaderParser
from pathlib import Path
from types import FrameType

from dutyflow.mail.sink import MailSink

_HEADERS = BytesHeaderParser(policy=email.policy.compat32)


class CountingSink(MailSink):
    """A MailSink that appends `time, Message-ID, recipients` to a log and keeps nothing else."""

    def __init__(self, log: Path, port: int) -> None:
        super().__init__(port=port)
        log.parent.mkdir(parents=True, exist_ok=True)
        # O_APPEND: every line lands at the current end, even after an outside `truncate`.
        self._fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.count = 0

    def _keep(self, raw: bytes, mail_from: str, rcpt_tos: tuple[str, ...]) -> None:
        # Only the header block is parsed; the body is never kept.
        head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        message_id = str(_HEADERS.parsebytes(head).get("Message-ID", "")).strip()
        line = f"{time.time():.6f}\t{message_id}\t{','.join(r.lower() for r in rcpt_tos)}\n"
        os.write(self._fd, line.encode("utf-8"))  # one write() per line: atomic with O_APPEND
        self.count += 1

    def close(self) -> None:
        self.stop()
        os.close(self._fd)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args(argv)

    done = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sink = CountingSink(args.log, args.port)
    sink.start()
    print(f"sink listening on {sink.host}:{sink.port}, log {args.log}", flush=True)
    done.wait()
    sink.close()
    print(f"sink stopped after {sink.count} messages", flush=True)


if __name__ == "__main__":
    main()
