"""The console and a unit's own page on a phone (390 × 844) in Debian's Chromium: nothing overflows
sideways and every link, button and field is on screen. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.accounts_support import PASSWORD, STAFF
from tests.browser import chromium_page, live_server
from tests.conftest import at
from tests.test_portal import Site, site  # noqa: F401 - the fixture

ARTIFACTS = Path(__file__).parent / "artifacts" / "console"
PHONE = {"width": 390, "height": 844}

OFF_SCREEN = """() => {
  const width = window.innerWidth;
  const actions = document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea");
  const out = [];
  for (const el of actions) {
    if (el.closest("table.stack thead")) continue;  // a phone sorts with the form's "Sắp xếp theo"
    const box = el.getBoundingClientRect();
    const shown = box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
    if (!shown || box.left < 0 || box.right > width + 0.5) {
      out.push((el.textContent || el.getAttribute("name") || el.tagName).trim().slice(0, 60) + " @" + Math.round(box.left) + "–" + Math.round(box.right));
    }
  }
  return out;
}"""


def check_phone_page(page: Any, name: str, backend: str) -> None:
    """No sideways scrolling and every action on screen; a full-page screenshot as the artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{backend}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide"
    assert page.evaluate(OFF_SCREEN) == [], name


def test_the_console_and_a_units_page_fit_a_phone(site: Site, tmp_path: Path) -> None:  # noqa: F811
    backend = site.engine.dialect.name
    # Late reports, and a refused address, so the lists have rows with long words in them.
    notifier = site.client.app.state.portal.notifier  # type: ignore[attr-defined]
    site.outbox.refuse.add("vhxh@xa-a.thunghiem.example")
    notifier.chase([u.code for u in notifier.units_to_chase(site.clock.now)], site.clock.now.date(), site.clock.now)
    site.clock.now = at("2025-08-20", 10)
    token = site.token("xa-a")
    with live_server(site.client.app) as base, chromium_page(str(tmp_path)) as page:
        page.set_viewport_size(PHONE)
        page.goto(f"{base}/u/{token}")
        page.wait_for_selector("#obligations")
        check_phone_page(page, "don-vi-tu-nop", backend)
        assert page.locator("input[type=file]").first.is_visible()
        page.locator("a", has_text="hoặc nhập trực tiếp trên trang").first.click()
        page.wait_for_selector("form textarea, form input[inputmode=decimal]")
        check_phone_page(page, "don-vi-nhap-truc-tiep", backend)

        page.goto(f"{base}/van-phong/tong-quan")
        page.fill("input[name=name]", STAFF)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.goto(f"{base}/van-phong/tong-quan")
        page.wait_for_selector("#late-list")
        check_phone_page(page, "tong-quan", backend)
        assert page.locator("#problem-list").is_visible()

        page.locator("#late-list a", has_text="UBND xã A").first.click()
        page.wait_for_selector("#message-list")
        assert page.url.endswith("/van-phong/don-vi/xa-a")
        check_phone_page(page, "trang-don-vi", backend)

        page.locator("#message-list a").first.click()
        page.wait_for_selector("#message-id")
        check_phone_page(page, "thu-da-gui", backend)

        for name, path in [
            ("don-vi", "/van-phong/don-vi"),
            ("nhat-ky", "/van-phong/nhat-ky"),
            ("tong-hop", "/van-phong/tong-hop"),
        ]:
            page.goto(f"{base}{path}")
            check_phone_page(page, name, backend)
