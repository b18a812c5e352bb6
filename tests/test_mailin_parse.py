"""Reading an incoming message: sender, thread, machine-written or not, and its files."""

from __future__ import annotations

import struct

from dutyflow.mailin.parse import parse_message
from tests.mailin_support import FOCAL_A, OFFICE, File, gmail, outlook


def tnef(files: dict[str, bytes]) -> bytes:
    """A winmail.dat as Outlook writes it: the TNEF signature, then per attachment its rendering
    data, title and data attributes (level 2), each with its checksum."""

    def attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
        checksum = sum(data) & 0xFFFF
        return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)

    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += attribute(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # TNEF version
    for name, content in files.items():
        out += attribute(2, 0x9002, 0x0006, bytes(14))
        out += attribute(2, 0x8010, 0x0001, name.encode("ascii") + b"\x00")
        out += attribute(2, 0x800F, 0x0006, content)
    return out


def test_winmail_dat_is_unpacked_into_its_files() -> None:
    raw = outlook(FOCAL_A, OFFICE.email, [File("winmail.dat", tnef({"bao-cao.xlsx": b"PK\x03\x04abc"}),
                                               "application/ms-tnef")])
    message = parse_message(raw)
    assert [(f.filename, f.content) for f in message.files] == [("bao-cao.xlsx", b"PK\x03\x04abc")]
    assert message.unreadable == ()


def test_vietnamese_headers_are_decoded_and_the_thread_is_kept() -> None:
    raw = gmail(
        "Công chức VHXH xã A <VHXH@Xa-A.thunghiem.example>",
        OFFICE.email,
        [File("Báo cáo quý – xã A.xlsx", b"PK")],
        subject="Trả lời: Nhắc hạn nộp báo cáo 6 tháng",
        in_reply_to="<nhac@vp.thunghiem.example>",
        message_id="<m1@xa-a>",
    )
    message = parse_message(raw)
    assert message.sender == "vhxh@xa-a.thunghiem.example" and message.sender_name == "Công chức VHXH xã A"
    assert message.subject == "Trả lời: Nhắc hạn nộp báo cáo 6 tháng" and not message.automatic
    assert message.references == ("<nhac@vp.thunghiem.example>", "<m1@xa-a>")
    assert message.key == "<m1@xa-a>"
    assert [f.filename for f in message.files] == ["Báo cáo quý – xã A.xlsx"]


def test_a_message_without_message_id_is_keyed_by_its_content() -> None:
    raw = gmail(FOCAL_A, OFFICE.email, [], message_id="<tam@x>").replace(b"Message-ID: <tam@x>\n", b"")
    assert b"Message-ID" not in raw
    first, again = parse_message(raw), parse_message(raw)
    assert first.message_id is None and first.key.startswith("sha256:") and first.key == again.key
    assert parse_message(raw + b"\n").key != first.key


def test_malformed_message_ids_are_not_kept_for_the_thread() -> None:
    raw = gmail(FOCAL_A, OFFICE.email, [], message_id="<khong-co-a-cong>", in_reply_to="<cung khong>")
    message = parse_message(raw)
    assert message.message_id is None and message.references == ()
    assert message.key.startswith("sha256:")
