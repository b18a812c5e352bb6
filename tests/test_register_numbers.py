"""The document register: one sequence per issuer, kind and year; two numbers given at the same
moment differ; a number once given stays (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from dutyflow.store.register_numbers import RegisterEntry, give_number, numbers_given
from tests.conftest import at

ISSUER = "UBND huyện Thử Nghiệm"


def _give(engine: Engine, subject: str, *, symbol: str = "BC-UBND", year: int = 2025, issuer: str = ISSUER) -> str:
    entry = give_number(
        engine, issuer=issuer, symbol=symbol, year=year, subject=subject, now=at("2025-11-21"), actor="test"
    )
    return entry.number


def test_numbers_follow_each_other_per_issuer_kind_and_year(engine: Engine) -> None:
    assert [_give(engine, f"r{i}") for i in range(3)] == ["1/BC-UBND", "2/BC-UBND", "3/BC-UBND"]
    assert _give(engine, "kh", symbol="KH-UBND") == "1/KH-UBND"  # another kind
    assert _give(engine, "next year", year=2026) == "1/BC-UBND"
    assert _give(engine, "other issuer", issuer="UBND huyện Khác") == "1/BC-UBND"
    assert _give(engine, "r3") == "4/BC-UBND"
    given = numbers_given(engine, issuer=ISSUER, year=2025)
    assert [(e.kind, e.sequence, e.subject) for e in given] == [
        ("BC", 1, "r0"),
        ("BC", 2, "r1"),
        ("BC", 3, "r2"),
        ("BC", 4, "r3"),
        ("KH", 1, "kh"),
    ]


def test_two_approvals_at_the_same_moment_get_two_different_numbers(engine: Engine) -> None:
    """Both writers read the same last number (they wait for each other after reading); the one
    that loses the race reads again and takes the next number."""
    both_read = threading.Barrier(2, timeout=30)
    waited = threading.local()

    def hold_first_read() -> None:
        if not getattr(waited, "done", False):
            waited.done = True
            both_read.wait()

    def approve(subject: str) -> RegisterEntry:
        return give_number(
            engine,
            issuer=ISSUER,
            symbol="BC-UBND",
            year=2025,
            subject=subject,
            now=at("2025-11-21"),
            actor=subject,
            after_read=hold_first_read,
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        entries = list(pool.map(approve, ["first", "second"]))
    assert sorted(e.number for e in entries) == ["1/BC-UBND", "2/BC-UBND"]
    assert {e.subject for e in numbers_given(engine, issuer=ISSUER, year=2025)} == {"first", "second"}


def test_many_concurrent_approvals_never_share_a_number(engine: Engine) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = list(pool.map(lambda i: _give(engine, f"r{i}"), range(12)))
    assert sorted(numbers, key=lambda n: int(n.split("/")[0])) == [f"{i}/BC-UBND" for i in range(1, 13)]
