"""`dutyflow plan draft` on a 30-page Kế hoạch.

    python -m bench.bench_plandraft [--pages 30] [--repeat 3] [--no-record]

Builds a long plan from the seed text (tests/fixtures/plandraft/seed-trung-khanh-2025.txt): its
head once, its body (sections I to VI) repeated until LibreOffice lays the .docx out on at least
`--pages` A4 pages (Liberation Serif 13 pt, as offices type them), its foot once. Writes the same
text as .txt, as .docx and, through LibreOffice, as .pdf, then times `draft_plan` on each: the
first call in the process (which loads the register of administrative units) and the median of
`--repeat` further calls (the
register is loaded once per process, by the first file's call), and a new Python process per
format (what `dutyflow plan draft` costs: imports, the register, the draft), as wall time and as
CPU time: on a shared machine the wall time mostly measures the other jobs; the goal is judged on
the CPU time of a new process. Goal: under 5 s for 30 pages. Building the files is not timed.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from docx import Document as DocxDocument
from docx.shared import Pt
from pypdf import PdfReader

from bench.common import append_result, print_table, timed
from dutyflow.plandraft.document import read_document
from dutyflow.plandraft.draft import draft_plan
from dutyflow.plandraft.rules import load_rules
from dutyflow.report.pdf import convert_to_pdf

SEED = Path(__file__).parent.parent / "tests" / "fixtures" / "plandraft" / "seed-trung-khanh-2025.txt"
GOAL_SECONDS = 5.0


def seed_parts() -> tuple[list[str], list[str], list[str]]:
    """The seed's paragraphs: head (before section I), body (I to VI), foot (Nơi nhận on)."""
    paragraphs = read_document(SEED, load_rules().reading).paragraphs
    head = [p.text for p in paragraphs if not p.section and not p.tail]
    body = [p.text for p in paragraphs if p.section and not p.tail]
    foot = [p.text for p in paragraphs if p.tail]
    return head, body, foot


def build(folder: Path, repeats: int) -> tuple[Path, Path, Path, int]:
    head, body, foot = seed_parts()
    paragraphs = [*head, *(body * repeats), *foot]
    txt = folder / "ke-hoach-dai.txt"
    txt.write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
    document = DocxDocument()
    style = document.styles["Normal"]
    style.font.name = "Liberation Serif"  # type: ignore[attr-defined]
    style.font.size = Pt(13)  # type: ignore[attr-defined]
    for text in paragraphs:
        document.add_paragraph(text)
    docx = folder / "ke-hoach-dai.docx"
    document.save(str(docx))
    pdf = convert_to_pdf(docx, folder)
    return txt, docx, pdf, len(PdfReader(str(pdf)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-plandraft-") as tmp:
        folder = Path(tmp)
        repeats = 1
        while True:
            txt, docx, pdf, pages = build(folder, repeats)
            if pages >= args.pages:
                break
            repeats = max(repeats + 1, int(repeats * args.pages / pages + 0.999))
        rows: list[tuple[str, str]] = [("pages (LibreOffice, A4)", str(pages)), ("body repeated", f"{repeats}×")]
        record: dict[str, object] = {"bench": "plandraft", "pages": pages, "repeats": repeats}
        for i, path in enumerate((txt, docx, pdf)):
            kind = path.suffix.lstrip(".")
            draft, first = timed(lambda path=path: draft_plan(path))  # type: ignore[misc]
            again = [timed(lambda path=path: draft_plan(path))[1] for _ in range(args.repeat)]  # type: ignore[misc]
            median = statistics.median(again)
            label = "first call of the process (loads the register)" if i == 0 else "first call"
            rows.append((f"{kind}: {label}", f"{first:.2f} s"))
            rows.append(
                (
                    f"{kind}: median of {args.repeat}",
                    f"{median:.2f} s  ({draft.counts['indicators']} targets, {draft.counts['duties']} duties)",
                )
            )
            record[f"{kind}_first_s"] = round(first, 3)
            record[f"{kind}_median_s"] = round(median, 3)
        for path in (txt, docx, pdf):
            kind = path.suffix.lstrip(".")
            code = (
                f"from pathlib import Path; from dutyflow.plandraft import draft_plan; draft_plan(Path({str(path)!r}))"
            )
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            _, cold = timed(lambda code=code: subprocess.run([sys.executable, "-c", code], check=True))  # type: ignore[misc]
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            rows.append((f"{kind}: a new process (imports, register, draft)", f"{cold:.2f} s wall, {cpu:.2f} s CPU"))
            record[f"{kind}_cold_s"] = round(cold, 3)
            record[f"{kind}_cold_cpu_s"] = round(cpu, 3)
        worst = max(float(str(v)) for k, v in record.items() if k.endswith("_cold_cpu_s"))
        rows.append(
            (
                "goal",
                f"< {GOAL_SECONDS:.0f} s: {'met' if worst < GOAL_SECONDS else 'NOT met'} (worst new process {worst:.2f} s of CPU; wall time is longer on a loaded machine)",
            )
        )
        print_table("plan draft on a long plan", rows)
        if not args.no_record:
            append_result(record)


if __name__ == "__main__":
    main()
