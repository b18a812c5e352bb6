"""What the tests of the consolidated report's way share: the mini plan with an addressee, its
final report made, and a throw-away certificate authority for the approver."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import Engine

from dutyflow.accounts import Account
from dutyflow.approval import Signing, Workspace
from dutyflow.consolidate import consolidate
from dutyflow.plan import load_plan
from dutyflow.signing import LoadedKey, TrustStore, load_signer
from dutyflow.signing.testca import TestAuthority
from dutyflow.states import AccountRole
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.sync import load_plan_into_store
from tests.accounts_support import add_account
from tests.conftest import at

ICT = dt.timezone(dt.timedelta(hours=7))
ADDRESSEE = {"name": "Sở Y tế tỉnh Thử Nghiệm", "email": "vanthu@soyte.thunghiem.example"}
FINAL_DAY = "2025-11-20"  # two working days before the last day (Monday 24/11: due 25/11 "before")
APPROVER = "Trần Thị Bình"
"""The leader's full name, which the signature block and the certificate print."""
LEADER = "binh"
"""The leader's account name, which the steps, the audit and the register name."""
LEADER_TITLE = "Phó Chủ tịch"
PASSWORD = "mật khẩu thử"


def plan_with_addressee(source: Path, target: Path, *, recipients: list[dict[str, str]] | None = None) -> Path:
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    document["report"] = {"recipients": [ADDRESSEE] if recipients is None else recipients}
    target.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def made_final(engine: Engine, plan_path: Path, folder: Path) -> Workspace:
    """The store with the plan loaded and its final report made (the first draft)."""
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(plan_path), plan_path, now=at("2025-04-20"), actor="test")
    ws = Workspace(engine, FileStore(folder / "uploads"), folder / "reports")
    consolidate(engine, ws.files, ws.out_root, dt.date.fromisoformat(FINAL_DAY), at(FINAL_DAY, 17), final=True)
    return ws


def add_leader(engine: Engine) -> Account:
    """The leadership account of `APPROVER`, who approves and sends back the report."""
    return add_account(engine, LEADER, AccountRole.LEADERSHIP, full_name=APPROVER, title=LEADER_TITLE)


@dataclass(frozen=True)
class Keys:
    ca: TestAuthority
    key: Path
    trust: Path

    def signing(self, folder: Path) -> Signing:
        return Signing(
            key=LoadedKey(load_signer(self.key, PASSWORD)),
            trust=TrustStore.from_folder(self.trust),
            font_cache=folder / "fonts",
            clock=lambda: dt.datetime.now(ICT),
        )


def make_keys(folder: Path, name: str = APPROVER) -> Keys:
    now = dt.datetime.now(ICT)
    folder.mkdir(parents=True, exist_ok=True)
    ca = TestAuthority.create(now=now)
    issued = ca.issue_signer(
        name, "UBND huyện Thử Nghiệm", not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=30)
    )
    return Keys(ca, ca.write_pkcs12(issued, folder / "signer.p12", PASSWORD), ca.write_trust_store(folder / "trust"))
