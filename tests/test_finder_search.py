"""Search quality on the demo directory: what visitors type -> the exhibitor they mean in the top 3."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from finder_helpers import exhibitor_named, stand_of

from kiosk import db as dbmod
from kiosk.finder import directory, queries, search

Check = Callable[[sqlite3.Connection, dict], bool]


@pytest.fixture(scope="module")
def conn(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    """One private copy of the demo central database for the module (searches do not change it)."""
    folder = tmp_path_factory.mktemp("finder-search") / "central"
    shutil.copytree(demo_template, folder)
    database = dbmod.connect(folder / dbmod.DB_FILENAME)
    yield database.conn
    database.conn.close()


def named(name: str) -> Check:
    return lambda _conn, row: row["name_fr"] == name


def has(category: str, province: str | None = None) -> Check:
    def check(_conn: sqlite3.Connection, row: dict) -> bool:
        return category in [c["id"] for c in row["categories"]] and province in (None, row["province_id"])

    return check


QUALITY = [
    # exact names, French and Arabic, and typos in them
    ("Coopérative Tifawin", named("Coopérative Tifawin")),
    ("cooperative tifawin", named("Coopérative Tifawin")),
    ("cooperativ tifawn", named("Coopérative Tifawin")),
    ("coopérative tifwin", named("Coopérative Tifawin")),
    ("tifawin", named("Coopérative Tifawin")),
    ("تعاونية تيفاوين", named("Coopérative Tifawin")),
    ("تعاونيه تيفاوين", named("Coopérative Tifawin")),
    ("تيفاوين", named("Coopérative Tifawin")),
    # products, categories and provinces in three languages
    ("the honey from Azilal", has("honey", "azilal")),
    ("miel d'Azilal", has("honey", "azilal")),
    ("mile azilal", has("honey", "azilal")),
    ("mile", has("honey")),
    ("عسل أزيلال", has("honey", "azilal")),
    ("العسل", has("honey")),
    ("زيت الزيتون", has("olive-oil")),
    ("زَيْتُ الزَّيْتُونِ", has("olive-oil")),
    ("huile d'olive", has("olive-oil")),
    ("olive oil", has("olive-oil")),
    ("safrn", has("saffron")),
    ("زعفران", has("saffron")),
    ("tapis khenifra", has("carpets", "khenifra")),
    ("زرابي خنيفرة", has("carpets", "khenifra")),
    ("poterie", has("pottery")),
    ("couscous", has("couscous-cereals")),
    ("كسكس", has("couscous-cereals")),
    ("plantes médicinales", has("plants")),
    ("fromage de chèvre", has("dairy")),
    ("argan", has("argan")),
    ("vannerie", has("wood-basketry")),
    ("Khouribga", lambda _c, row: row["province_id"] == "khouribga"),
    ("خريبكة", lambda _c, row: row["province_id"] == "khouribga"),
]


@pytest.mark.parametrize(("query", "check"), QUALITY, ids=[q for q, _c in QUALITY])
def test_expected_exhibitor_in_top_three(conn: sqlite3.Connection, query: str, check: Check) -> None:
    top = queries.find(conn, query, limit=3)
    assert top, f"nothing found for {query!r}"
    assert any(check(conn, row) for row in top), [row["name_fr"] for row in top]


def test_category_queries_fill_the_top_three_with_that_category(conn: sqlite3.Connection) -> None:
    for query in ("miel d'Azilal", "عسل أزيلال", "the honey from Azilal"):
        assert all(has("honey", "azilal")(conn, row) for row in queries.find(conn, query, limit=3)), query


def test_ranking_exact_name_then_name_prefix_then_products(conn: sqlite3.Connection) -> None:
    results = queries.find(conn, "Coopérative Tifawin", limit=5)
    assert results[0]["name_fr"] == "Coopérative Tifawin"
    assert results[1]["name_fr"].startswith("Coopérative Tifawin – ")
    hits = search.search(conn, "Coopérative Tifawin", limit=5)
    assert [hit.tier for hit in hits[:2]] == [0, 1]
    assert hits == sorted(hits, key=lambda hit: (hit.tier, -hit.coverage, hit.rank))


def test_name_beats_products(conn: sqlite3.Connection) -> None:
    # "Miel" is in names ("... – Miel") and in products ("miel de thym"): names come first.
    hits = search.search(conn, "miel", limit=40)
    tiers = [hit.tier for hit in hits]
    assert tiers == sorted(tiers) and tiers[0] == 2 and tiers[-1] == 3


def test_stand_number_finds_its_exhibitors_first(conn: sqlite3.Connection) -> None:
    tifawin = exhibitor_named(conn, "Coopérative Tifawin")
    number = stand_of(conn, tifawin["id"])
    for query in (number, number.lower(), f"{number[0]}{int(number[1:])}"):
        assert queries.find(conn, query, limit=3)[0]["stand"] == number, query


def test_every_name_with_a_missing_letter_is_found(conn: sqlite3.Connection) -> None:
    """A missing letter in a name (middle of its longest word) still finds it in the top 3."""
    names = [row[0] for row in conn.execute("SELECT name_fr FROM exhibitors ORDER BY name_fr")]
    misses = []
    for name in names[::7]:
        words = name.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        word = words[longest]
        if len(word) < 6:
            continue
        words[longest] = word[: len(word) // 2] + word[len(word) // 2 + 1 :]
        typo = " ".join(words)
        if name not in [row["name_fr"] for row in queries.find(conn, typo, limit=3)]:
            misses.append(typo)
    assert not misses


def test_every_arabic_name_finds_itself_first(conn: sqlite3.Connection) -> None:
    for name_ar, name_fr in conn.execute("SELECT name_ar, name_fr FROM exhibitors ORDER BY name_fr LIMIT 60"):
        assert queries.find(conn, name_ar, limit=1)[0]["name_fr"] == name_fr


def test_fuzzy_layer_only_when_the_index_finds_nothing(conn: sqlite3.Connection) -> None:
    assert not any(hit.fuzzy for hit in search.search(conn, "miel"))
    assert all(hit.fuzzy for hit in search.search(conn, "mile"))


def test_nothing_for_nonsense_or_one_letter(conn: sqlite3.Connection) -> None:
    assert queries.find(conn, "xqzwv") == []
    assert queries.find(conn, "m") == []
    assert queries.find(conn, "   ") == []


def test_fts_syntax_in_queries_is_harmless(conn: sqlite3.Connection) -> None:
    for text in ['"miel', "miel AND", "NEAR(miel)", "miel*", "-miel", "col:miel", "(", "^"]:
        queries.find(conn, text)


def test_browse_by_category_and_province(conn: sqlite3.Connection) -> None:
    honey = queries.in_category(conn, "honey", 0, 1000)
    assert honey["results"] and all("honey" in [c["id"] for c in r["categories"]] for r in honey["results"])
    azilal = queries.in_province(conn, "azilal", 0, 1000)
    assert azilal["results"] and all(row["province_id"] == "azilal" for row in azilal["results"])
    counts = {c["id"]: c["exhibitors"] for c in queries.categories(conn)}
    assert counts["honey"] == honey["total"] == len(honey["results"])
    assert queries.in_category(conn, "honey", 2, 5) == {
        "total": honey["total"],
        "results": honey["results"][2:5],
    }
    assert sum(p["exhibitors"] for p in queries.provinces(conn)) == 320


def test_index_follows_directory_changes(demo_template: Path, tmp_path: Path) -> None:
    folder = tmp_path / "central"
    shutil.copytree(demo_template, folder)
    database = dbmod.connect(folder / dbmod.DB_FILENAME)

    def names() -> list[str]:
        return [found["name_fr"] for found in queries.find(database.conn, "Zaytouna Atlas")]

    assert "Coopérative Zaytouna Atlas" not in names()
    row = {column: "" for column in directory.COLUMNS}
    row.update(
        stand="A01",
        name_fr="Coopérative Zaytouna Atlas",
        kind="cooperative",
        organisation="Coopérative Zaytouna Atlas",
        province="Khénifra",
        categories="Huile d'olive",
    )
    report = directory.load_rows(database, [(2, row)])
    assert report.loaded == 1 and not report.errors
    assert names()[0] == "Coopérative Zaytouna Atlas"
    with dbmod.write(database) as write:
        write.execute("DELETE FROM exhibitors WHERE name_fr = 'Coopérative Zaytouna Atlas'")
    assert "Coopérative Zaytouna Atlas" not in names()
    database.conn.close()
