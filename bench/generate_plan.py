"""Write a synthetic national-scale plan: ~10,000 communes, hundreds of district-level units.

    python -m bench.generate_plan OUT.yaml [--communes 10500] [--districts 700]

The shape follows tests/fixtures/mini-plan.yaml. Four deliverables: the implementation plan, the
6-month report, the annual report (all reporting units) and a quarterly list of the communes
limited to two quarters (Q2, Q3). The two report periods are the 6-month and the annual one.
Every address is on the reserved `.example` domain. The output is deterministic: no randomness,
no clock, so two runs with the same arguments write the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

import yaml

DOMAIN = "dutyflow-bench.example"
OFFICE = "vp-tong-hop"

# Words that Vietnamese commune names are commonly built from; combined by index, not at random.
_FIRST = ["An", "Bình", "Cẩm", "Đông", "Hòa", "Hưng", "Long", "Minh", "Nghĩa", "Phú", "Phước", "Quang"]
_FIRST += ["Tân", "Thạnh", "Thuận", "Trung", "Vĩnh", "Xuân", "Yên", "Đức", "Hải", "Kim", "Lạc", "Mỹ"]
_SECOND = ["An", "Bắc", "Cường", "Điền", "Hòa", "Hội", "Khánh", "Lâm", "Lợi", "Nam", "Ninh", "Phong"]
_SECOND += ["Sơn", "Tây", "Thành", "Thịnh", "Tiến", "Trạch", "Trường", "Tú", "Việt", "Vinh", "Xá", "Yên"]


def place_name(index: int) -> str:
    """A plausible place name for `index` (names repeat across the country, codes do not)."""
    first = _FIRST[index % len(_FIRST)]
    second = _SECOND[(index // len(_FIRST)) % len(_SECOND)]
    return f"{first} {second}"


def contact(name: str, mailbox: str, host: str) -> dict[str, str]:
    return {"name": name, "email": f"{mailbox}@{host}.{DOMAIN}"}


def office_unit() -> dict[str, Any]:
    return {
        "code": OFFICE,
        "name": "Văn phòng tổng hợp (thử tải)",
        "kind": "office",
        "focal": contact("Cán bộ Văn phòng tổng hợp", "vanthu", "vp"),
        "head": contact("Chánh Văn phòng", "chanh", "vp"),
    }


def district_unit(number: int) -> dict[str, Any]:
    """A district-level unit (kind department): the social affairs office of district `number`."""
    code = f"huyen-{number:03d}"
    place = place_name(number * 7)
    return {
        "code": code,
        "name": f"Phòng Văn hóa - Xã hội huyện {place} {number}",
        "kind": "department",
        "parent": OFFICE,
        "focal": contact(f"Cán bộ Phòng VH-XH huyện {place}", "vanthu", code),
        "head": contact(f"Trưởng phòng VH-XH huyện {place}", "truongphong", code),
    }


def commune_unit(number: int, districts: int, communes: int) -> dict[str, Any]:
    """Commune `number` (1-based), under one of the districts; one in fifteen is a town (thị trấn)."""
    code = f"xa-{number:05d}"
    town = number % 15 == 0
    place = place_name(number)
    label = "thị trấn" if town else "xã"
    district = (number - 1) * districts // communes + 1
    return {
        "code": code,
        "name": f"UBND {label} {place}",
        "kind": "town" if town else "commune",
        "gso_code": f"{number:05d}",
        "parent": f"huyen-{district:03d}",
        "focal": contact(f"Công chức VHXH {label} {place}", "vhxh", code),
        "head": contact(f"Chủ tịch UBND {label} {place}", "chutich", code),
    }


def plan_document(communes: int, districts: int) -> dict[str, Any]:
    if not 1 <= communes <= 99_999 or not 1 <= districts <= 999:
        raise ValueError("communes must be 1..99999 (5-digit GSO codes) and districts 1..999")
    units = [office_unit()]
    units += [district_unit(n) for n in range(1, districts + 1)]
    units += [commune_unit(n, districts, communes) for n in range(1, communes + 1)]
    return {
        "plan": {
            "code": "bench-national-2025",
            "year": 2025,
            "title": "Kế hoạch thực hiện công tác trẻ em năm 2025 (dữ liệu thử tải)",
            "issuer": {
                "parent": "BỘ THỬ NGHIỆM",
                "name": "CỤC THỬ TẢI",
                "short_name": "Cục Thử Tải",
                "place": "Hà Nội",
            },
            "basis": ["Kế hoạch số 1/KH-BTN ngày 2/1/2025 (giả định, chỉ dùng để đo hiệu năng)"],
            "signer": {"authority": "KT. CỤC TRƯỞNG", "title": "PHÓ CỤC TRƯỞNG", "name": "Nguyễn Văn A"},
            "recipients": ["Lưu: VT"],
            "office": OFFICE,
        },
        "calendar": {"country": "VN", "timezone": "Asia/Ho_Chi_Minh"},
        "units": units,
        "groups": [
            {"code": "cac-xa", "name": "UBND các xã, thị trấn", "kinds": ["commune", "town"]},
            {"code": "cac-huyen", "name": "Các phòng VH-XH cấp huyện", "kinds": ["department"]},
            {"code": "don-vi-bao-cao", "name": "Các đơn vị báo cáo", "kinds": ["department", "commune", "town"]},
        ],
        "duties": [
            {
                "code": "V.1",
                "section": "V.1",
                "title": "Tổng hợp báo cáo",
                "text": "Theo dõi, đôn đốc và tổng hợp tình hình thực hiện kế hoạch.",
                "units": [OFFICE],
            },
            {
                "code": "V.2",
                "section": "V.2",
                "title": "Rà soát trẻ em có hoàn cảnh đặc biệt",
                "text": "Hằng quý rà soát, lập danh sách trẻ em có hoàn cảnh đặc biệt trên địa bàn.",
                "units": ["cac-xa"],
                "partners": ["cac-huyen"],
            },
        ],
        "data_elements": [
            {"code": "tre_duoi_5_khai_sinh", "name": "Trẻ dưới 5 tuổi được đăng ký khai sinh", "nature": "stock"},
            {"code": "tre_duoi_5", "name": "Trẻ dưới 5 tuổi", "nature": "stock"},
            {"code": "tre_hcdb", "name": "Trẻ em có hoàn cảnh đặc biệt", "nature": "stock"},
            {"code": "tre_hcdb_tro_giup", "name": "Trẻ em có hoàn cảnh đặc biệt được trợ giúp", "nature": "stock"},
        ],
        "indicators": [
            {
                "code": "CT01",
                "group": "b",
                "name": "Tỷ lệ trẻ em dưới 5 tuổi được đăng ký khai sinh",
                "measure": "percent",
                "numerator": "tre_duoi_5_khai_sinh",
                "denominator": "tre_duoi_5",
                "direction": "reach_100",
                "target": 100,
                "reported_by": ["don-vi-bao-cao"],
            },
            {
                "code": "CT02",
                "group": "c",
                "name": "Tỷ lệ trẻ em có hoàn cảnh đặc biệt được trợ giúp",
                "measure": "percent",
                "numerator": "tre_hcdb_tro_giup",
                "denominator": "tre_hcdb",
                "direction": "at_least",
                "target": 90,
                "reported_by": ["cac-xa"],
            },
        ],
        "forms": [
            {"code": "PL1", "name": "Phụ lục I", "title": "Kết quả thực hiện các chỉ tiêu", "kind": "indicators"},
            {"code": "PL2", "name": "Phụ lục II", "title": "Kết quả thực hiện các nhiệm vụ", "kind": "duties"},
            {
                "code": "PL3",
                "name": "Phụ lục III",
                "title": "Danh sách trẻ em có hoàn cảnh đặc biệt",
                "kind": "table",
                "rows": [
                    {"code": "tong", "label": "Tổng số"},
                    {"code": "tro_giup", "label": "Trong đó: được trợ giúp"},
                ],
                "columns": [{"code": "nam", "label": "Nam"}, {"code": "nu", "label": "Nữ"}],
                "rules": [
                    {"left": "tro_giup", "op": "<=", "right": "tong", "message": "Số được trợ giúp vượt tổng số"}
                ],
            },
        ],
        "deliverables": deliverables(),
    }


def deliverables() -> list[dict[str, Any]]:
    """4 deliverables: 3 dated ones for every reporting unit, 1 quarterly list (2 quarters)."""
    d = dt.date
    return [
        {
            "code": "ke-hoach-trien-khai",
            "name": "Kế hoạch triển khai thực hiện tại đơn vị, địa phương",
            "kind": "implementation_plan",
            "units": ["don-vi-bao-cao"],
            "attachments": True,
            "due": d(2025, 5, 9),
            "rule": "by",
            "period_label": "năm 2025",
        },
        {
            "code": "bao-cao-6-thang",
            "name": "Báo cáo kết quả thực hiện 06 tháng",
            "kind": "report",
            "units": ["don-vi-bao-cao"],
            "forms": ["PL1", "PL2"],
            "attachments": True,
            "due": d(2025, 5, 20),
            "rule": "before",
            "cutoff": d(2025, 5, 15),
            "period_start": d(2025, 1, 1),
            "period_end": d(2025, 5, 15),
            "period_label": "6 tháng đầu năm 2025",
        },
        {
            "code": "bao-cao-nam",
            "name": "Báo cáo kết quả thực hiện năm 2025",
            "kind": "report",
            "units": ["don-vi-bao-cao"],
            "forms": ["PL1", "PL2"],
            "attachments": True,
            "due": d(2025, 11, 15),
            "rule": "before",
            "cutoff": d(2025, 11, 10),
            "period_start": d(2025, 1, 1),
            "period_end": d(2025, 11, 10),
            "period_label": "năm 2025",
        },
        {
            "code": "danh-sach-hcdb-quy",
            "name": "Danh sách trẻ em có hoàn cảnh đặc biệt (hằng quý)",
            "kind": "list",
            "units": ["cac-xa"],
            "forms": ["PL3"],
            "attachments": True,
            "recurrence": {"every": "quarter", "start": d(2025, 4, 1), "end": d(2025, 9, 30), "due_day": 10},
        },
    ]


def write_plan(out: Path, communes: int = 10_500, districts: int = 700) -> Path:
    document = plan_document(communes, districts)
    header = f"# Synthetic plan for benchmarks: {communes} communes, {districts} districts (bench/generate_plan.py).\n"
    body = yaml.dump(document, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False, width=1000)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(header + body, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--communes", type=int, default=10_500)
    parser.add_argument("--districts", type=int, default=700)
    args = parser.parse_args(argv)
    path = write_plan(args.out, args.communes, args.districts)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {1 + args.districts + args.communes} units)")


if __name__ == "__main__":
    main()
