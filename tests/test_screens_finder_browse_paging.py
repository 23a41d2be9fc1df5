"""Category and province pages: the true count of their exhibitors and every one reachable, page
by page, with the search's pieces (``FINDER_RESULTS`` a page, "Show N more" appended in place by
htmx, or without script a longer page); no repeat, no gap (issue 14 leftover: "category and
province pages list all their exhibitors, with no paging")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import serving
from finder_helpers import HX, result_ids

from kiosk import instance


def members(paged_finder_dir: Path, query: str, value: str) -> list[str]:
    """The exhibitors of a category or province as the directory holds them, by name."""
    conn = instance.open_db(paged_finder_dir).conn
    return [row[0] for row in conn.execute(query, (value,))]


IN_CATEGORY = (
    "SELECT e.id FROM exhibitor_categories ec JOIN exhibitors e ON e.id = ec.exhibitor_id"
    " WHERE ec.category_id = ? ORDER BY e.name_fr, e.id"
)
IN_PROVINCE = "SELECT id FROM exhibitors WHERE province_id = ? ORDER BY name_fr, id"


def biggest_province(paged_finder_dir: Path) -> str:
    conn = instance.open_db(paged_finder_dir).conn
    query = "SELECT province_id FROM exhibitors GROUP BY province_id ORDER BY count(*) DESC LIMIT 1"
    return conn.execute(query).fetchone()[0]


@pytest.mark.parametrize("kind", ["category", "province"])
def test_more_appends_each_page_until_every_exhibitor_is_shown(
    paged_client, paged_finder_dir: Path, kind: str
) -> None:
    value = "olive-oil" if kind == "category" else biggest_province(paged_finder_dir)
    every = members(paged_finder_dir, IN_CATEGORY if kind == "category" else IN_PROVINCE, value)
    assert len(every) > 24  # three pages at least
    first = paged_client.get(f"/finder/{kind}/{value}?lang=ar").get_data(as_text=True)
    assert re.search(rf'id="result-count">{len(every)} عارض', first)  # the true count, not the page's
    assert result_ids(first) == every[:12]
    shown, page, number = result_ids(first), first, 1
    while 'id="more-results"' in page:
        number += 1
        more = re.search(r'hx-get="([^"]+)"', page[page.index('id="more-results"') - 200 :])
        assert more is not None and f"page={number}" in more.group(1) and f"/finder/{kind}/" in more.group(1)
        page = paged_client.get(more.group(1).replace("&amp;", "&"), headers=HX).get_data(as_text=True)
        assert "result-count" not in page  # only rows and the next button: htmx appends them
        shown += result_ids(page)
    assert shown == every and number == -(-len(every) // 12)


def test_without_script_the_more_link_shows_one_page_more(paged_client, paged_finder_dir: Path) -> None:
    every = members(paged_finder_dir, IN_CATEGORY, "olive-oil")
    first = paged_client.get("/finder/category/olive-oil").get_data(as_text=True)
    assert "Voir 12 de plus" in first
    assert 'href="/finder/category/olive-oil?page=2"' in first
    assert (
        result_ids(paged_client.get("/finder/category/olive-oil?page=2").get_data(as_text=True)) == every[:24]
    )
    last = paged_client.get("/finder/category/olive-oil?page=99").get_data(as_text=True)
    assert result_ids(last) == every and 'id="more-results"' not in last
    assert (
        result_ids(paged_client.get("/finder/category/olive-oil?page=x").get_data(as_text=True)) == every[:12]
    )
    assert paged_client.get("/finder/province/nowhere?page=2", headers=HX).status_code == 404


@pytest.mark.parametrize("path", ["/finder/category/olive-oil?page=2", "/finder/results?q=co"])
def test_a_page_that_answers_htmx_with_a_fragment_says_it_varies_on_it(paged_client, path: str) -> None:
    # One URL, two answers (fragment for htmx, whole page without): a cache must key on the header.
    for headers in ({}, HX):
        assert "HX-Request" in paged_client.get(path, headers=headers).vary


@pytest.mark.browser
def test_in_chromium_show_more_appends_in_place_until_the_last(
    page, paged_finder_dir: Path, fair_clock: str
) -> None:
    every = members(paged_finder_dir, IN_CATEGORY, "olive-oil")
    with serving(paged_finder_dir, {"KIOSK_NOW": fair_clock}) as (base, _process):
        page.goto(base + "/finder/category/olive-oil")
        rows = page.locator("#result-list a.result")
        assert rows.count() == 12
        while page.locator("#more-results").count():
            shown = rows.count()
            page.locator("#more-results").click()
            page.wait_for_function(f"document.querySelectorAll('#result-list a.result').length > {shown}")
        assert page.url == base + "/finder/category/olive-oil"  # appended, not a new page
        assert rows.evaluate_all("links => links.map(a => a.dataset.id)") == every
        assert page.locator("#result-count").inner_text() == f"{len(every)} exposants"
