"""What an uploaded file really is, judged by its bytes and never by its name, and whether its
zip container (OOXML) is safe to open: size, integrity, zip bombs, macros, XML declarations."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from dutyflow.formatting import format_size
from dutyflow.forms.numbers import echo
from dutyflow.messages import t

CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
"""Compound File Binary: .xls/.doc, and every password-encrypted OOXML file."""
PDF_MAGIC = b"%PDF-"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
EXECUTABLE_MAGICS = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"#!")

MAX_UNPACKED = 50 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024
"""Members smaller than this are never bombs, whatever their ratio (small XML packs very well)."""
MAX_MEMBERS = 1000
CHUNK = 1024 * 1024

CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK = "xl/workbook.xml"
DOCUMENT = "word/document.xml"
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_XML_SUFFIXES = (".xml", ".rels", ".vml")


_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,  # zipfile's "File is encrypted, password required for extraction"
    zlib.error,
)


def _encrypted(info: zipfile.ZipInfo) -> bool:
    """A password-protected member (bit 0 of the general purpose flags): never read, only refused."""
    return bool(info.flag_bits & 0x1)


@dataclass(frozen=True)
class Package:
    """An OOXML zip that passed the safety checks."""

    names: frozenset[str]
    content_types: bytes

    @property
    def has_macros(self) -> bool:
        vba = any(name.lower().endswith("vbaproject.bin") for name in self.names)
        return vba or b"macroenabled" in self.content_types.lower()

    @property
    def is_workbook(self) -> bool:
        return WORKBOOK in self.names

    @property
    def is_document(self) -> bool:
        return DOCUMENT in self.names


def sniff(data: bytes) -> str:
    """What `data` is, from its content alone: "xlsx", "docx", "pdf", "xlsm", "ole", "zip" or "unknown"."""
    if data.startswith(CFB_MAGIC):
        return "ole"
    if data.startswith(PDF_MAGIC):
        return "pdf"
    if not data.startswith(ZIP_MAGICS):
        return "unknown"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            names = frozenset(infos)
            content_types = b""
            info = infos.get(CONTENT_TYPES)
            if info is not None and info.file_size <= CHUNK and not _encrypted(info):
                content_types = archive.read(info)
    except _UNREADABLE:
        return "zip"
    if CONTENT_TYPES not in names:
        return "zip"
    package = Package(names, content_types)
    if package.is_workbook:
        return "xlsm" if package.has_macros else "xlsx"
    if package.is_document:
        return "docx"
    return "zip"


def open_package(data: bytes) -> Package | str:
    """The package in `data`, or the message saying why it may not be opened."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            refusal = _refuse_members(infos)
            if refusal is not None:
                return refusal
            content_types = b""
            for info in infos:
                # Reading every member checks its CRC: a truncated or tampered file fails here.
                body = _read_member(archive, info)
                if info.filename.lower().endswith(_XML_SUFFIXES) and _DOCTYPE.search(body):
                    return t("forms.xml_doctype", member=echo(info.filename))
                if info.filename == CONTENT_TYPES:
                    content_types = body
    except _UNREADABLE:
        return t("forms.file_corrupt")
    names = frozenset(info.filename for info in infos)
    if CONTENT_TYPES not in names:
        return t("forms.no_content_types")
    return Package(names, content_types)


def _refuse_members(infos: list[zipfile.ZipInfo]) -> str | None:
    if len(infos) > MAX_MEMBERS:
        return t("forms.zip_members", count=len(infos), limit=MAX_MEMBERS)
    if any(_encrypted(info) for info in infos):
        return t("forms.zip_encrypted")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNPACKED:
        return t("forms.zip_too_large", size=format_size(total), limit=format_size(MAX_UNPACKED))
    for info in infos:
        if info.file_size >= RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            return t("forms.zip_ratio", member=echo(info.filename), ratio=ratio, limit=MAX_RATIO)
    return None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes if it is XML (to inspect), else b"" after reading it through (to check it)."""
    keep = info.filename.lower().endswith(_XML_SUFFIXES) or info.filename == CONTENT_TYPES
    parts: list[bytes] = []
    with archive.open(info) as handle:
        while chunk := handle.read(CHUNK):
            if keep:
                parts.append(chunk)
    return b"".join(parts)
