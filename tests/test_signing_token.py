"""The signing key on a hardware token: a real software token (SoftHSM2) through PKCS#11.

The test certificate authority's signer key and certificate are put on a token of each test's own
(tests/softhsm.py); the settings name the module, the token and the key, the PIN comes from the
environment; the session's final report (LibreOffice's PDF) is signed through
`approval.signing_from_settings` and judged by pyHanko's validator (`signing.verify_pdf`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dutyflow.approval import signing_from_settings
from dutyflow.cli import app
from dutyflow.report.build import ReportFiles
from dutyflow.settings import Settings, SettingsError, load_settings
from dutyflow.signing import Integrity, SignatureBlock, SigningError, TokenKey, TrustStore, sign_pdf, verify_pdf
from dutyflow.signing.testca import TEST_MARK, Issued, TestAuthority
from dutyflow.states import AccountRole
from dutyflow.store.db import make_engine, upgrade
from tests.accounts_support import add_accounts
from tests.approval_support import APPROVER, LEADER, add_leader, made_final, plan_with_addressee
from tests.conftest import MINI_PLAN
from tests.softhsm import KEY_LABEL, SoftToken, soft_token  # noqa: F401  (soft_token: the fixture)
from tests.test_report_pdf import require

ICT = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime.now(ICT).replace(microsecond=0)
BLOCK = SignatureBlock("Chu Thị Vinh", "PHÓ CHỦ TỊCH", "UBND huyện Trùng Khánh", "Trùng Khánh")


@dataclass(frozen=True)
class Authority:
    ca: TestAuthority
    trust: Path

    def signer(self, name: str = BLOCK.signer_name, **validity: dt.datetime) -> Issued:
        return self.ca.issue_signer(
            name,
            BLOCK.organisation,
            not_before=validity.get("not_before", NOW - dt.timedelta(days=30)),
            not_after=validity.get("not_after", NOW + dt.timedelta(days=365)),
        )


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    ca = TestAuthority.create(now=NOW)
    return Authority(ca, ca.write_trust_store(tmp_path_factory.mktemp("token-trust") / "trust"))


def token_settings(token: SoftToken, authority: Authority, data: Path, **changes: object) -> Settings:
    """The settings of an office that signs with the token; the PIN is in the environment."""
    values: dict[str, object] = {
        "data_dir": data,
        "signing_pkcs11_module": token.module,
        "signing_pkcs11_token": token.label,
        "signing_pkcs11_key_label": KEY_LABEL,
        "signing_trust_store": authority.trust,
    }
    return load_settings(**(values | changes))


@pytest.fixture
def pin_in_environment(soft_token: SoftToken, monkeypatch: pytest.MonkeyPatch) -> SoftToken:  # noqa: F811
    monkeypatch.setenv("DUTYFLOW_SIGNING_PKCS11_PIN", soft_token.pin)
    return soft_token


def sign_with(settings: Settings, report: Path, target: Path) -> Path:
    signing = signing_from_settings(settings, clock=lambda: dt.datetime.now(ICT))
    with signing.key.open() as signer:
        sign_pdf(
            report,
            target,
            signer=signer,
            trust=signing.trust,
            block=BLOCK,
            signed_at=signing.clock(),
            font_cache=signing.font_cache,
        )
    return target


def test_a_report_is_signed_with_the_key_on_a_token(
    pin_in_environment: SoftToken, authority: Authority, final_report: ReportFiles, tmp_path: Path
) -> None:
    assert final_report.pdf is not None
    pin_in_environment.put(authority.signer(), [authority.ca.intermediate.certificate])
    settings = token_settings(pin_in_environment, authority, tmp_path / "data")
    assert settings.signing_pkcs11_pin.get_secret_value() == pin_in_environment.pin
    assert isinstance(signing_from_settings(settings, clock=lambda: NOW).key, TokenKey)

    signed = sign_with(settings, final_report.pdf, tmp_path / "signed.pdf")

    verification = verify_pdf(signed, TrustStore.from_folder(authority.trust), now=dt.datetime.now(ICT))
    assert verification.ok
    (check,) = verification.signatures
    assert check.signer == f"{BLOCK.signer_name} ({TEST_MARK})"
    assert check.integrity is Integrity.UNCHANGED and check.trusted
    assert signed.read_bytes().startswith(final_report.pdf.read_bytes())
    # Another authority's root does not vouch for it: the trust really came from the chain on the token.
    stranger = TestAuthority.create(now=NOW).write_trust_store(tmp_path / "stranger")
    assert not verify_pdf(signed, TrustStore.from_folder(stranger), now=dt.datetime.now(ICT)).ok


def test_a_wrong_pin_is_refused_naming_the_setting(
    soft_token: SoftToken,  # noqa: F811
    authority: Authority,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    soft_token.put(authority.signer(), [authority.ca.intermediate.certificate])
    monkeypatch.setenv("DUTYFLOW_SIGNING_PKCS11_PIN", "000000")
    signing = signing_from_settings(token_settings(soft_token, authority, tmp_path / "data"), clock=lambda: NOW)
    with (
        pytest.raises(SigningError, match="Mã PIN của thiết bị ký số “dutyflow-thu-nghiem” không đúng") as refused,
        signing.key.open(),
    ):
        pass
    assert "DUTYFLOW_SIGNING_PKCS11_PIN" in str(refused.value)


def test_an_expired_certificate_on_the_token_is_refused(
    pin_in_environment: SoftToken, authority: Authority, final_report: ReportFiles, tmp_path: Path
) -> None:
    assert final_report.pdf is not None
    expired = authority.signer(not_before=NOW - dt.timedelta(days=400), not_after=NOW - dt.timedelta(days=1))
    pin_in_environment.put(expired, [authority.ca.intermediate.certificate])
    target = tmp_path / "refused.pdf"
    with pytest.raises(SigningError, match=re.escape(f"Chứng thư số của {BLOCK.signer_name} ({TEST_MARK}) đã hết hạn")):
        sign_with(token_settings(pin_in_environment, authority, tmp_path / "data"), final_report.pdf, target)
    assert not target.exists()


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no_module", "Không tìm thấy thư viện PKCS#11 của thiết bị ký số"),
        ("not_a_module", "Không nạp được thư viện PKCS#11"),
        ("other_token", "Không tìm thấy thiết bị ký số (token) có nhãn “token-khac”"),
        ("other_key", "không có khóa ký nhãn “khoa-khac” cùng chứng thư nhãn “khoa-khac”"),
    ],
)
def test_what_to_check_is_said_when_the_token_cannot_be_opened(
    pin_in_environment: SoftToken, authority: Authority, tmp_path: Path, case: str, expected: str
) -> None:
    pin_in_environment.put(authority.signer(), [authority.ca.intermediate.certificate])
    not_a_module = tmp_path / "khong-phai-thu-vien.so"
    not_a_module.write_text("không phải thư viện\n", encoding="utf-8")
    changes: dict[str, object] = {
        "no_module": {"signing_pkcs11_module": tmp_path / "khong-co.so"},
        "not_a_module": {"signing_pkcs11_module": not_a_module},
        "other_token": {"signing_pkcs11_token": "token-khac"},
        "other_key": {"signing_pkcs11_key_label": "khoa-khac"},
    }[case]
    signing = signing_from_settings(
        token_settings(pin_in_environment, authority, tmp_path / "data", **changes), clock=lambda: NOW
    )
    with pytest.raises(SigningError, match=re.escape(expected)), signing.key.open():
        pass


def test_a_key_file_and_a_token_together_are_refused(tmp_path: Path) -> None:
    key = tmp_path / "ky-so.p12"
    with pytest.raises(SettingsError, match="chỉ chọn một khóa ký số") as refused:
        load_settings(
            signing_key=key,
            signing_pkcs11_module=tmp_path / "libtoken.so",
            signing_pkcs11_token="token",
            signing_pkcs11_key_label="khoa",
        )
    assert "signing_pkcs11_module" in str(refused.value)
    with pytest.raises(SettingsError, match="cần cả nhãn thiết bị"):
        load_settings(signing_pkcs11_module=tmp_path / "libtoken.so", signing_pkcs11_token="token")
    assert load_settings(signing_key=key).signing_pkcs11_module is None


def test_the_pin_is_refused_in_the_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text('signing_pkcs11_pin = "246810"\n', encoding="utf-8")
    monkeypatch.setenv("DUTYFLOW_SETTINGS", str(settings_file))
    with pytest.raises(SettingsError, match=r"signing_pkcs11_pin.*chỉ được đặt qua biến môi trường"):
        load_settings()


runner = CliRunner()


@pytest.fixture
def office(tmp_path: Path, soft_token: SoftToken, authority: Authority) -> Iterator[dict[str, str]]:  # noqa: F811
    """A store whose final report is approved, and the environment of an office signing with the token."""
    require("soffice")
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'store.db'}"
    engine = make_engine(url)
    upgrade(engine)
    made_final(engine, plan_with_addressee(MINI_PLAN, tmp_path / "plan.yaml"), data)
    add_leader(engine)
    add_accounts(engine, AccountRole.OFFICE)
    engine.dispose()
    soft_token.put(authority.signer(APPROVER), [authority.ca.intermediate.certificate])
    yield {
        "DUTYFLOW_DATA_DIR": str(data),
        "DUTYFLOW_DATABASE_URL": url,
        "DUTYFLOW_SIGNING_PKCS11_MODULE": str(soft_token.module),
        "DUTYFLOW_SIGNING_PKCS11_TOKEN": soft_token.label,
        "DUTYFLOW_SIGNING_PKCS11_KEY_LABEL": KEY_LABEL,
        "DUTYFLOW_SIGNING_PKCS11_PIN": soft_token.pin,
        "DUTYFLOW_SIGNING_TRUST_STORE": str(authority.trust),
        "COLUMNS": "200",
    }


def test_report_sign_signs_with_the_token(office: dict[str, str]) -> None:
    def run(args: list[str], env: dict[str, str], code: int = 0) -> str:
        result = runner.invoke(app, args, env=env, catch_exceptions=False)
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result.output

    approved = run(["report", "approve", "--by", LEADER, "--no-sign"], office)
    assert "Trạng thái: Đã duyệt, đã cấp số" in approved

    refused = run(["report", "sign"], office | {"DUTYFLOW_SIGNING_PKCS11_PIN": "000000"}, code=1)
    assert "Mã PIN của thiết bị ký số “dutyflow-thu-nghiem” không đúng" in " ".join(refused.split())
    assert "Trạng thái: Đã duyệt, đã cấp số" in run(["report", "status"], office)

    signed = run(["report", "sign"], office)
    assert "Trạng thái: Đã ký số" in signed
    file = next(Path(line.split("Tệp: ", 1)[1].strip()) for line in signed.splitlines() if "Tệp: " in line)
    assert file.suffix == ".pdf" and file.is_file()
    verified = " ".join(run(["report", "verify", str(file)], office).split())
    assert APPROVER in verified and "không bị thay đổi" in verified and "thuộc chuỗi tin cậy" in verified


def test_signatures_at_once_in_one_process_take_turns_on_the_token(
    pin_in_environment: SoftToken, authority: Authority, tmp_path: Path
) -> None:
    """PKCS#11 keeps one login per process: the console's threads must not log each other out."""
    pin_in_environment.put(authority.signer(), [authority.ca.intermediate.certificate])
    key = signing_from_settings(token_settings(pin_in_environment, authority, tmp_path / "data"), clock=lambda: NOW).key

    def sign_once(n: int) -> bytes:
        with key.open() as signer:
            return asyncio.run(signer.async_sign_raw(f"văn bản {n}".encode(), "sha256"))

    with ThreadPoolExecutor(max_workers=4) as pool:
        signatures = list(pool.map(sign_once, range(8)))
    assert len(set(signatures)) == 8 and all(signatures)
