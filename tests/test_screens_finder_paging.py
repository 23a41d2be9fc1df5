"""Search results: the true count of matches and every match reachable, page by page, through
htmx fragments (appended in place) or, without script, a longer page (issue 14 point 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from finder_helpers import make_finder_kiosk

from kiosk import create_app, instance
from kiosk.finder import search

HX = {"HX-Request": "true"}


@pytest.fixture
def finder_dir(central_dir: Path, tmp_path: Path) -> Path:
    return make_finder_kiosk(central_dir, tmp_path, {"FINDER_RESULTS": 12})


@pytest.fixture
def client(finder_dir: Path):
    return create_app(finder_dir, {"TESTING": True}).test_client()


def ids(html: str) -> list[str]:
    return re.findall(r'class="result" href="[^"]*" data-id="([^"]+)"', html)


def olive_oil(finder_dir: Path) -> set[str]:
    conn = instance.open_db(finder_dir).conn
    query = "SELECT exhibitor_id FROM exhibitor_categories WHERE category_id = 'olive-oil'"
    return {row[0] for row in conn.execute(query)}


def test_the_count_is_every_match_not_the_page(client, finder_dir: Path) -> None:
    every = [hit.id for hit in search.search(instance.open_db(finder_dir).conn, "زيت", 1000)]
    # the case: "زيت" (oil) finds at least the whole olive-oil category, far more than a page
    assert olive_oil(finder_dir) <= set(every) and len(every) > 24
    first = client.get("/finder/results?q=زيت&lang=ar", headers=HX).get_data(as_text=True)
    assert f'data-count="{len(every)}"' in first
    assert re.search(rf"\b{len(every)} عارض", first)
    assert ids(first) == every[:12]


def test_more_appends_the_next_page_until_every_match_is_shown(client, finder_dir: Path) -> None:
    every = [hit.id for hit in search.search(instance.open_db(finder_dir).conn, "zit", 1000)]
    assert 24 < len(every) <= 36
    shown: list[str] = []
    page = client.get("/finder/results?q=zit", headers=HX).get_data(as_text=True)
    shown += ids(page)
    for number in (2, 3):
        more = re.search(r'hx-get="([^"]+)"', page[page.index('id="more-results"') - 200 :])
        assert more is not None and f"page={number}" in more.group(1)
        assert "Voir 12 de plus" in page or number == 3
        page = client.get(more.group(1).replace("&amp;", "&"), headers=HX).get_data(as_text=True)
        assert "result-count" not in page  # only rows and the next button: htmx appends them
        shown += ids(page)
    assert shown == every
    assert 'id="more-results"' not in page


def test_without_script_the_more_link_shows_one_page_more(client, finder_dir: Path) -> None:
    every = [hit.id for hit in search.search(instance.open_db(finder_dir).conn, "zit", 1000)]
    first = client.get("/finder/search?q=zit").get_data(as_text=True)
    assert ids(first) == every[:12]
    assert 'href="/finder/search?q=zit&amp;page=2"' in first
    assert ids(client.get("/finder/search?q=zit&page=3").get_data(as_text=True)) == every
    assert ids(client.get("/finder/search?q=zit&page=x").get_data(as_text=True)) == every[:12]


def test_a_short_word_counts_past_the_ranked_candidates_and_pages_stay_put(client, finder_dir: Path) -> None:
    """ "co" matches more exhibitors than the search ranks at once (search.CANDIDATES): the count
    is still every match, and paging past the candidates never repeats or skips one."""
    conn = instance.open_db(finder_dir).conn
    # every exhibitor with an indexed word starting with "co", read from the index's documents
    expected = {
        doc[0]
        for doc in search.documents(conn)
        if any(w.startswith("co") for d in doc[1:7] for w in d.split())
    }
    assert len(expected) > search.CANDIDATES
    assert search.find(conn, "co", 12).total == len(expected)
    shown: list[str] = []
    page_number = 1
    while True:
        page = client.get(f"/finder/results?q=co&page={page_number}", headers=HX).get_data(as_text=True)
        shown += ids(page)
        if 'id="more-results"' not in page:
            break
        page_number += 1
    assert len(shown) == len(set(shown)) == len(expected) and set(shown) == expected
