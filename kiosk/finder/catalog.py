"""Provinces and product categories of the Béni Mellal-Khénifra fair (reference rows)."""

from __future__ import annotations

import sqlite3

# id, French, Arabic, English
PROVINCES = [
    ("beni-mellal", "Béni Mellal", "بني ملال", "Beni Mellal"),
    ("azilal", "Azilal", "أزيلال", "Azilal"),
    ("fquih-ben-salah", "Fquih Ben Salah", "الفقيه بن صالح", "Fquih Ben Salah"),
    ("khenifra", "Khénifra", "خنيفرة", "Khenifra"),
    ("khouribga", "Khouribga", "خريبكة", "Khouribga"),
]

# id, French, Arabic, English, synonyms (search words in any language, space separated)
CATEGORIES = [
    ("olive-oil", "Huile d'olive", "زيت الزيتون", "Olive oil", "olives zitoun zit"),
    ("honey", "Miel", "عسل", "Honey", "apiculture ruche abeilles nahl"),
    ("carpets", "Tapis", "زرابي", "Carpets", "zerbia rugs tissage tapis"),
    ("pottery", "Poterie", "فخار", "Pottery", "ceramique tajine argile"),
    (
        "couscous-cereals",
        "Couscous et céréales",
        "الكسكس والحبوب",
        "Couscous and cereals",
        "semoule orge ble farine",
    ),
    (
        "plants",
        "Plantes aromatiques et médicinales",
        "النباتات العطرية والطبية",
        "Aromatic and medicinal plants",
        "herbes thym romarin",
    ),
    ("dairy", "Produits laitiers", "منتجات الحليب", "Dairy", "fromage lait jben"),
    ("textiles", "Textiles et broderie", "النسيج والطرز", "Textiles and embroidery", "couture"),
    ("wood-basketry", "Bois et vannerie", "الخشب والسلالة", "Wood and basketry", "panier osier"),
    ("saffron", "Safran", "زعفران", "Saffron", "zaafran"),
    ("argan", "Argan", "أركان", "Argan", "amlou cosmetique"),
    ("dried-fruit", "Fruits secs", "الفواكه الجافة", "Dried fruit", "amandes noix figues"),
    ("cosmetics", "Cosmétiques naturels", "مستحضرات التجميل الطبيعية", "Natural cosmetics", "savon ghassoul"),
]


def ensure_reference(conn: sqlite3.Connection) -> None:
    """Insert the provinces and categories that are missing (inside a write transaction)."""
    conn.executemany("INSERT OR IGNORE INTO provinces VALUES (?, ?, ?, ?)", PROVINCES)
    conn.executemany("INSERT OR IGNORE INTO categories VALUES (?, ?, ?, ?, ?)", CATEGORIES)
