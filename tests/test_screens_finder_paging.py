"""Search results: the true count of matches and every match reachable, page by page, through
htmx fragments (appended in place) or, without script, a longer page (issue 14 point 2)."""

from __future__ import annotations

import re
from pathlib import Path

from finder_helpers import HX, result_ids

from kiosk import instance
from kiosk.finder import search


def olive_oil(paged_finder_dir: Path) -> set[str]:
    conn = instance.open_db(paged_finder_dir).conn
    query = "SELECT exhibitor_id FROM exhibitor_categories WHERE category_id = 'olive-oil'"
    return {row[0] for row in conn.execute(query)}


def test_the_count_is_every_match_not_the_page(paged_client, paged_finder_dir: Path) -> None:
    every = [hit.id for hit in search.search(instance.open_db(paged_finder_dir).conn, "زيت", 1000)]
    # the case: "زيت" (oil) finds at least the whole olive-oil category, far more than a page
    assert olive_oil(paged_finder_dir) <= set(every) and len(every) > 24
    first = paged_client.get("/finder/results?q=زيت&lang=ar", headers=HX).get_data(as_text=True)
    assert f'data-count="{len(every)}"' in first
    assert re.search(rf"\b{len(every)} عارض", first)
    assert result_ids(first) == every[:12]


def test_more_appends_the_next_page_until_every_match_is_shown(paged_client, paged_finder_dir: Path) -> None:
    every = [hit.id for hit in search.search(instance.open_db(paged_finder_dir).conn, "zit", 1000)]
    assert 24 < len(every) <= 36
    shown: list[str] = []
    page = paged_client.get("/finder/results?q=zit", headers=HX).get_data(as_text=True)
    shown += result_ids(page)
    for number in (2, 3):
        more = re.search(r'hx-get="([^"]+)"', page[page.index('id="more-results"') - 200 :])
        assert more is not None and f"page={number}" in more.group(1)
        assert "Voir 12 de plus" in page or number == 3
        page = paged_client.get(more.group(1).replace("&amp;", "&"), headers=HX).get_data(as_text=True)
        assert "result-count" not in page  # only rows and the next button: htmx appends them
        shown += result_ids(page)
    assert shown == every
    assert 'id="more-results"' not in page


def test_without_script_the_more_link_shows_one_page_more(paged_client, paged_finder_dir: Path) -> None:
    every = [hit.id for hit in search.search(instance.open_db(paged_finder_dir).conn, "zit", 1000)]
    first = paged_client.get("/finder/search?q=zit").get_data(as_text=True)
    assert result_ids(first) == every[:12]
    assert 'href="/finder/search?q=zit&amp;page=2"' in first
    assert result_ids(paged_client.get("/finder/search?q=zit&page=3").get_data(as_text=True)) == every
    assert result_ids(paged_client.get("/finder/search?q=zit&page=x").get_data(as_text=True)) == every[:12]


def test_a_short_word_counts_past_the_ranked_candidates_and_pages_stay_put(
    paged_client, paged_finder_dir: Path
) -> None:
    """ "co" matches more exhibitors than the search ranks at once (search.CANDIDATES): the count
    is still every match, and paging past the candidates never repeats or skips one."""
    conn = instance.open_db(paged_finder_dir).conn
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
        page = paged_client.get(f"/finder/results?q=co&page={page_number}", headers=HX).get_data(as_text=True)
        shown += result_ids(page)
        if 'id="more-results"' not in page:
            break
        page_number += 1
    assert len(shown) == len(set(shown)) == len(expected) and set(shown) == expected
