"""Sign a report's PDF: a PAdES signature, visible where Decree 30/2020 places it.

The signature is an incremental update (the signed bytes stay byte for byte what LibreOffice
wrote), PAdES baseline (`ETSI.CAdES.detached`), SHA-256, with an RFC 3161 timestamp when a
timestamp authority is configured. The visible part stands between the signer's title and name
(`placement`), in Times-metric italic 10 pt as Decree 30/2020 Phụ lục I describes for a digital
signature: who signed, the organisation and the signing time in ISO 8601 with the Vietnam offset.

The signing time is the real moment the key signs, read by the caller from the real clock: a
signature is an act, not a business date, and pyHanko stamps the CMS with the system time
anyway (docs/decisions.md, "Signing happens at real time").
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.stamp import TextStampStyle

from dutyflow.messages import t
from dutyflow.signing.credentials import SigningError, TrustStore, check_certificate
from dutyflow.signing.placement import SignaturePlace, find_signature_place

FIELD_NAME = "ChuKySo"
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf"),
    Path("/usr/share/fonts/truetype/croscore/Tinos-Italic.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Italic.ttf"),
)
"""Times-metric italic fonts with every Vietnamese letter (fonts-liberation2, fonts-croscore)."""
FONT_SIZE = 10

# fontTools warns on every signature that it drops a table it cannot subset (FFTM, a FontForge
# timestamp that a PDF does not need); the warning says nothing an office could act on.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


@dataclass(frozen=True)
class SignatureBlock:
    """Who signs, in the words of the document's signature block."""

    signer_name: str
    signer_title: str
    organisation: str
    location: str | None = None


@dataclass(frozen=True)
class SignedPdf:
    path: Path
    place: SignaturePlace
    signed_at: dt.datetime


def stamp_font(cache: Path) -> Path:
    """A Times-metric italic font scaled to 1,000 units per em, kept in `cache`.

    pyHanko writes a TrueType font's advance widths as they are into the PDF, which counts them in
    thousandths of an em; Liberation and Tinos have 2,048 units per em, so their glyphs would
    stand twice as far apart. fontTools rescales a copy once.
    """
    for candidate in FONT_CANDIDATES:
        if candidate.is_file():
            scaled = cache / f"{candidate.stem}-1000.ttf"
            if not scaled.is_file():
                cache.mkdir(parents=True, exist_ok=True)
                font = TTFont(candidate)
                scale_upem(font, 1000)
                partial = scaled.with_name(f".{scaled.name}.partial")
                font.save(partial)
                partial.replace(scaled)
            return scaled
    raise SigningError(t("signing.no_font"))


def stamp_text(block: SignatureBlock, signed_at: dt.datetime) -> str:
    return t(
        "signing.stamp",
        signer=block.signer_name,
        organisation=block.organisation,
        time=signed_at.isoformat(timespec="seconds"),
    )


def sign_pdf(
    source: Path,
    target: Path,
    *,
    signer: signers.Signer,
    trust: TrustStore,
    block: SignatureBlock,
    signed_at: dt.datetime,
    font_cache: Path,
    timestamp_url: str | None = None,
    timestamper: TimeStamper | None = None,
) -> SignedPdf:
    """Write `source` signed by `signer` to `target`; refuse a certificate not valid at `signed_at`.

    `timestamper` is for tests (a local authority); production passes `timestamp_url`.
    `font_cache` keeps the rescaled stamp font (the data folder in production).
    """
    check_certificate(signer, trust, moment=signed_at)
    place = find_signature_place(source, signer_name=block.signer_name, signer_title=block.signer_title)
    style = TextStampStyle(
        stamp_text=stamp_text(block, signed_at),
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(stamp_font(font_cache)), font_size=FONT_SIZE)),
        border_width=0,
    )
    if timestamper is None and timestamp_url:
        timestamper = HTTPTimeStamper(timestamp_url)
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            name=block.signer_name,
            location=block.location,
            reason=t("signing.reason"),
        ),
        signer=signer,
        timestamper=timestamper,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=place.page, box=place.box),
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with source.open("rb") as inf, partial.open("wb") as out:
            pdf_signer.sign_pdf(IncrementalPdfFileWriter(inf, strict=False), output=out)
    except PdfReadError as exc:
        partial.unlink(missing_ok=True)
        raise SigningError(t("signing.unreadable_pdf", file=source.name)) from exc
    except Exception:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return SignedPdf(target, place, signed_at)
