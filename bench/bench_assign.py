"""The national assignment: every unit's assignment email, in memory and through a local SMTP sink.

    python -m bench.bench_assign [--db sqlite|postgresql|both] [--transport memory|smtp|both]
                                 [--communes 10500] [--districts 700] [--profile]

Per backend and transport, on a fresh store (`bench_chase.fresh_store`): generate the plan, load
it, then time `Notifier.assign` over every unit in chunks of 500, as the assign flow's tasks call
it (claims, rendering, the .ics, sending, marks, the announcement), in wall time and in this
process's CPU time (the machine is shared: the CPU time does not count the time others' work
took from it, but neither the database server's work).
- memory: `MemoryTransport`; the goal is <= 30 s.
- smtp: `SmtpTransport` to a `MailSink` on 127.0.0.1 (in this process, as in the demo). The
  messages the assignment sent are kept, and raw smtplib then sends the same messages over one
  connection to the same sink (`send_message(to_mime(m))`, the MIME built in the timed loop as
  `bench_mail` does); the goal is assignment <= 1.3x raw. Informative: raw smtplib of the
  serialised bytes (`sendmail`, MIME built before timing).
Results are printed and appended to bench/results.jsonl.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import smtplib
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from bench.bench_chase import ASSIGN_DAY, fresh_store, load_store, morning
from bench.common import append_result, print_table, timed
from bench.generate_plan import write_plan
from dutyflow.mail import (
    Address,
    DeliveryResult,
    MailRenderer,
    MailSession,
    MailSink,
    MailTransport,
    MemoryTransport,
    OutgoingMessage,
    SmtpTransport,
)
from dutyflow.mail.message import to_mime
from dutyflow.messaging import MailSetup, Notifier

OFFICE = Address("Văn phòng tổng hợp (thử tải)", "vanthu@vp.dutyflow-bench.example")
GOAL_MEMORY_S = 30.0
GOAL_SMTP_RATIO = 1.3
CHUNK = 500


class Keeping:
    """A transport that keeps every message it hands to the real one (for the raw replay)."""

    def __init__(self, inner: MailTransport) -> None:
        self.inner = inner
        self.sent: list[OutgoingMessage] = []

    @contextlib.contextmanager
    def session(self) -> Iterator[MailSession]:
        with self.inner.session() as real:
            yield _KeepingSession(real, self.sent)


class _KeepingSession:
    def __init__(self, real: MailSession, sent: list[OutgoingMessage]) -> None:
        self.real = real
        self.kept = sent

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        result = self.real.send(message)
        self.kept.append(message)
        return result


class ServerCpu:
    """CPU seconds of the PostgreSQL server processes behind `engine`'s connections, read from
    /proc/<pg_backend_pid()>/stat (the server runs on this machine): the part of the wall time
    this process's CPU time does not show. The pool is emptied so that every later connection is
    seen; None on SQLite or when /proc cannot be read."""

    def __init__(self, engine: Engine) -> None:
        self.pids: set[int] = set()
        self.postgresql = engine.dialect.name == "postgresql"
        if self.postgresql:
            event.listen(engine, "connect", self._connected)
            engine.dispose()

    def _connected(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        self.pids.add(cursor.fetchone()[0])
        cursor.close()
        dbapi_connection.rollback()

    def seconds(self) -> float | None:
        if not self.postgresql:
            return None
        ticks = 0
        try:
            for pid in self.pids:
                with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            return None
        return ticks / os.sysconf("SC_CLK_TCK")


def assign_all(notifier: Notifier, clear: MemoryTransport | None = None) -> int:
    """Every unit's assignment, in chunks of 500 units as the flow's tasks run it."""
    codes = [unit.code for unit in notifier.units_to_assign(ASSIGN_DAY)]
    sent = 0
    for start in range(0, len(codes), CHUNK):
        outcome = notifier.assign(codes[start : start + CHUNK], ASSIGN_DAY, morning(ASSIGN_DAY))
        assert not outcome.failures and not outcome.unknown, outcome
        sent += len(outcome.sent)
        if clear is not None:
            clear.sent.clear()  # keep memory flat; the messages themselves are not measured here
    return sent


def raw_smtplib(port: int, messages: Sequence[OutgoingMessage]) -> None:
    with smtplib.SMTP(MailSink.host, port, timeout=60) as smtp:
        for message in messages:
            refused = smtp.send_message(to_mime(message))
            assert not refused, refused


def raw_bytes(port: int, messages: Sequence[OutgoingMessage]) -> None:
    payloads = [(m.sender.email, [a.email for a in (*m.to, *m.cc)], to_mime(m).as_bytes()) for m in messages]
    with smtplib.SMTP(MailSink.host, port, timeout=60) as smtp:
        for sender, recipients, payload in payloads:
            refused = smtp.sendmail(sender, recipients, payload)
            assert not refused, refused


def run(backend: str, transport: str, plan_path: Path, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="dutyflow-bench-") as tmp, fresh_store(backend, Path(tmp)) as engine:
        load = load_store(engine, plan_path)
        record: dict[str, Any] = {
            "bench": "assign",
            "backend": backend,
            "transport": transport,
            "communes": args.communes,
            "districts": args.districts,
            "units": 1 + args.communes + args.districts,
            "plan_load_s": round(load["store_s"], 2),
            "loadavg_before_1m": round(os.getloadavg()[0], 2),
        }
        server = ServerCpu(engine)
        server_before = server.seconds()
        if transport == "memory":
            memory = MemoryTransport()
            notifier = Notifier(engine, MailSetup(memory, MailRenderer(), OFFICE, OFFICE))
            profiler = cProfile.Profile() if args.profile else None
            call = (lambda: profiler.runcall(assign_all, notifier, memory)) if profiler else (lambda: assign_all(notifier, memory))
            cpu_before = time.process_time()
            sent, seconds = timed(call)
            cpu = time.process_time() - cpu_before
            if profiler is not None:
                pstats.Stats(profiler).strip_dirs().sort_stats("cumulative").print_stats(40)
            record |= {"messages": sent, "assign_s": round(seconds, 2), "assign_cpu_s": round(cpu, 2), "goal_s": GOAL_MEMORY_S}
        else:
            with MailSink() as sink:
                keeping = Keeping(SmtpTransport(MailSink.host, sink.port, security="none", timeout=60))
                notifier = Notifier(engine, MailSetup(keeping, MailRenderer(), OFFICE, OFFICE))
                sent, seconds = timed(lambda: assign_all(notifier))
                messages = keeping.sent
                sink.received.clear()
                _, raw_s = timed(lambda: raw_smtplib(sink.port, messages))
                assert len(sink.received) == len(messages)
                sink.received.clear()
                _, bytes_s = timed(lambda: raw_bytes(sink.port, messages))
                sink.received.clear()
            record |= {
                "messages": sent,
                "assign_s": round(seconds, 2),
                "raw_smtplib_s": round(raw_s, 2),
                "raw_bytes_s": round(bytes_s, 2),
                "ratio": round(seconds / raw_s, 2),
                "ratio_bytes": round(seconds / bytes_s, 2),
                "goal_ratio": GOAL_SMTP_RATIO,
            }
        server_after = server.seconds()
        if transport == "memory" and server_before is not None and server_after is not None:
            record["assign_server_cpu_s"] = round(server_after - server_before, 2)
        record["ms_per_unit"] = round(1000 * record["assign_s"] / max(record["messages"], 1), 2)
        record["loadavg_after_1m"] = round(os.getloadavg()[0], 2)
        return record


def report(result: dict[str, Any]) -> None:
    ok = {True: "ok", False: "MISSED"}
    rows = [
        ("units / messages", f"{result['units']} / {result['messages']}"),
        ("plan load into store", f"{result['plan_load_s']:.2f} s"),
        ("assignment", f"{result['assign_s']:.2f} s ({result['ms_per_unit']:.2f} ms a unit)"),
    ]
    if "assign_cpu_s" in result:
        rows.append(("    CPU time of this process", f"{result['assign_cpu_s']:.2f} s (the database server's not included)"))
    if "assign_server_cpu_s" in result:
        rows.append(("    CPU time of the PostgreSQL server", f"{result['assign_server_cpu_s']:.2f} s (its processes for this store)"))
    if result["transport"] == "memory":
        rows.append(("    goal <= 30 s", ok[result["assign_s"] <= GOAL_MEMORY_S]))
    else:
        rows += [
            ("raw smtplib, same messages, one connection", f"{result['raw_smtplib_s']:.2f} s"),
            ("    ratio (goal <= 1.3)", f"{result['ratio']:.2f}x  {ok[result['ratio'] <= GOAL_SMTP_RATIO]}"),
            ("raw smtplib of pre-built bytes", f"{result['raw_bytes_s']:.2f} s ({result['ratio_bytes']:.2f}x)"),
        ]
    rows.append(("load average before / after (2 cores)", f"{result['loadavg_before_1m']} / {result['loadavg_after_1m']}"))
    print_table(f"national assignment on {result['backend']}, {result['transport']} transport", rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--transport", choices=["memory", "smtp", "both"], default="both")
    parser.add_argument("--communes", type=int, default=10_500)
    parser.add_argument("--districts", type=int, default=700)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the in-memory assignment")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/results.jsonl")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    transports = ["memory", "smtp"] if args.transport == "both" else [args.transport]
    with tempfile.TemporaryDirectory(prefix="dutyflow-plan-") as tmp:
        plan_path = write_plan(Path(tmp) / "plan.yaml", args.communes, args.districts)
        for backend in backends:
            for transport in transports:
                result = run(backend, transport, plan_path, args)
                report(result)
                if not args.no_record:
                    append_result(result)


if __name__ == "__main__":
    main()
