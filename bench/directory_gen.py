"""Generated directories for the benchmarks: clearly fictional organisations of the demo's provinces.

Names are built from Amazigh and Arabic words (Tifawin, Tagmat, Al Baraka...) with the
kind of organisation, so they look plausible and belong to no one. Products are those
of the region (olive oil, honey, carpets, pottery, couscous, plants, saffron...).
It made the demo fair's ``exhibitors.csv``; the search benchmark uses it for a
directory of 10,000. Provinces and categories are those of the demo fair file.
"""

from __future__ import annotations

import random

from kiosk.demo import DEMO_FAIR
from kiosk.fair.spec import read_fair

# (French/Latin spelling, Arabic spelling) of name words.
WORDS = [
    ("Tifawin", "تيفاوين"),
    ("Tagmat", "تاكمات"),
    ("Al Baraka", "البركة"),
    ("Amal", "أمل"),
    ("Nour", "نور"),
    ("Tamount", "تامونت"),
    ("Assafou", "أسافو"),
    ("Tighanimin", "تيغانيمين"),
    ("Aghbalou", "أغبالو"),
    ("Titrit", "تيتريت"),
    ("Tafsut", "تافسوت"),
    ("Anzar", "أنزار"),
    ("Tilelli", "تيليلي"),
    ("Azetta", "أزطا"),
    ("Ighrem", "إغرم"),
    ("Taddart", "تادارت"),
    ("Al Wifaq", "الوفاق"),
    ("Annahda", "النهضة"),
    ("Al Khir", "الخير"),
    ("Ennakhil", "النخيل"),
    ("Atlas Zahr", "أطلس زهر"),
    ("Tamazirt", "تامازيرت"),
    ("Izourane", "إزوران"),
    ("Afrah", "أفراح"),
    ("Tawada", "تاوادا"),
    ("Aourir", "أورير"),
    ("Tizi", "تيزي"),
    ("Asif", "أسيف"),
    ("Amlal", "أملال"),
    ("Tazart", "تازارت"),
    ("Imintanout", "إيمينتانوت"),
    ("Al Amane", "الأمان"),
    ("Essaada", "السعادة"),
    ("Al Fajr", "الفجر"),
    ("Tissilt", "تيسيلت"),
    ("Ouzoud", "أوزود"),
    ("Tagadirt", "تاكاديرت"),
    ("Al Mostakbal", "المستقبل"),
    ("Tafraout", "تافراوت"),
    ("Adrar", "أدرار"),
    ("Taghzout", "تاغزوت"),
    ("Ain Asserdoun", "عين أسردون"),
    ("Al Ikhlas", "الإخلاص"),
    ("Tanmirt", "تانميرت"),
    ("Agdal", "أكدال"),
    ("Tislit", "تيسليت"),
    ("Al Wafa", "الوفاء"),
    ("Amssnaw", "أمسناو"),
    ("Tamghart", "تامغارت"),
    ("Al Yasmine", "الياسمين"),
    ("Iklane", "إكلان"),
    ("Tagant", "تاكانت"),
    ("Azrou Ouhlal", "أزرو أوهلال"),
    ("Ifrane Zaouia", "إفران الزاوية"),
    ("Al Hidaya", "الهداية"),
    ("Tinmel", "تينمل"),
    ("Ennour Al Akhdar", "النور الأخضر"),
    ("Ait Bouguemez", "آيت بوكماز"),
]
# kind -> [(French prefix, Arabic prefix)]
PREFIXES = {
    "cooperative": [
        ("Coopérative", "تعاونية"),
        ("Coopérative féminine", "التعاونية النسوية"),
        ("Coopérative agricole", "التعاونية الفلاحية"),
    ],
    "association": [("Association", "جمعية"), ("Association des femmes", "جمعية النساء")],
    "artisan": [("Atelier", "ورشة"), ("Maison", "دار")],
    "other": [("GIE", "مجموعة ذات النفع الاقتصادي")],
}
KIND_WEIGHTS = [("cooperative", 60), ("association", 20), ("artisan", 15), ("other", 5)]
# category -> [(French product, Arabic product)]
PRODUCTS = {
    "olive-oil": [
        ("huile d'olive extra vierge", "زيت الزيتون البكر"),
        ("olives de table", "زيتون المائدة"),
        ("huile d'olive", "زيت الزيتون"),
    ],
    "honey": [
        ("miel de thym", "عسل الزعتر"),
        ("miel d'euphorbe", "عسل الدغموس"),
        ("miel de jujubier", "عسل السدر"),
        ("miel de montagne", "عسل الجبل"),
    ],
    "carpets": [
        ("tapis berbères", "زرابي أمازيغية"),
        ("hanbel", "حنبل"),
        ("tapis noués main", "زرابي يدوية"),
    ],
    "pottery": [("tajines en terre", "طواجن فخارية"), ("poterie décorée", "فخار مزخرف"), ("jarres", "جرار")],
    "couscous-cereals": [
        ("couscous d'orge", "كسكس الشعير"),
        ("couscous de blé", "كسكس القمح"),
        ("farine complète", "دقيق كامل"),
        ("belboula", "بلبولة"),
    ],
    "plants": [
        ("thym", "زعتر"),
        ("romarin", "إكليل الجبل"),
        ("verveine", "لويزة"),
        ("plantes médicinales", "أعشاب طبية"),
    ],
    "dairy": [("fromage de chèvre", "جبن الماعز"), ("beurre beldi", "زبدة بلدية"), ("lben", "لبن")],
    "textiles": [("djellabas brodées", "جلاليب مطروزة"), ("broderie", "طرز"), ("couvertures", "أغطية")],
    "wood-basketry": [
        ("paniers en palmier nain", "سلال الدوم"),
        ("objets en bois de cèdre", "منتجات خشب الأرز"),
        ("vannerie", "سلالة"),
    ],
    "saffron": [("safran", "زعفران"), ("safran en pistils", "خيوط الزعفران")],
    "argan": [("huile d'argan", "زيت الأركان"), ("amlou", "أملو")],
    "dried-fruit": [("amandes", "لوز"), ("noix", "جوز"), ("figues sèches", "تين مجفف")],
    "cosmetics": [("savon beldi", "الصابون البلدي"), ("ghassoul", "الغاسول"), ("eau de rose", "ماء الورد")],
}
# Main activity per province: what is drawn more often there.
PROVINCE_LEANING = {
    "beni-mellal": ["olive-oil", "dried-fruit", "dairy"],
    "azilal": ["honey", "plants", "carpets", "dried-fruit"],
    "fquih-ben-salah": ["couscous-cereals", "dairy", "olive-oil"],
    "khenifra": ["carpets", "wood-basketry", "honey", "plants"],
    "khouribga": ["pottery", "textiles", "couscous-cereals"],
}
CRAFTS = {"carpets", "pottery", "textiles", "wood-basketry"}
_TABLES = read_fair(DEMO_FAIR / "fair.toml").tables
PROVINCES = {row["id"]: row for row in _TABLES["provinces"]}
CATEGORY_NAMES = {row["id"]: row for row in _TABLES["categories"]}
# The organisations the example searches name.
FIXED = [("cooperative", 0, ("Tifawin", "تيفاوين"), "azilal", ["honey", "plants"])]


def _organisations(rng: random.Random, count: int) -> list[dict[str, object]]:
    names: set[str] = set()
    orgs: list[dict[str, object]] = []
    for kind, prefix_index, word, province, cats in FIXED:
        prefix = PREFIXES[kind][prefix_index]
        orgs.append(
            {
                "kind": kind,
                "fr": f"{prefix[0]} {word[0]}",
                "ar": f"{prefix[1]} {word[1]}",
                "province": province,
                "categories": cats,
                "members": 24,
            }
        )
        names.add(str(orgs[-1]["fr"]))
    kinds = [kind for kind, _w in KIND_WEIGHTS]
    weights = [w for _k, w in KIND_WEIGHTS]
    provinces = list(PROVINCE_LEANING)
    fixed_words = {word for *_k, word, _p, _c in FIXED}
    # Single-word names without repeats while they last, then two-word names (large directories).
    pools = {
        kind: [(prefix, word) for prefix in PREFIXES[kind] for word in WORDS if word not in fixed_words]
        for kind in PREFIXES
    }
    for pool in pools.values():
        rng.shuffle(pool)
    while len(orgs) < count:
        kind = rng.choices(kinds, weights)[0]
        if pools[kind]:
            prefix, word = pools[kind].pop()
            fr, ar = f"{prefix[0]} {word[0]}", f"{prefix[1]} {word[1]}"
        else:
            prefix, word, extra = rng.choice(PREFIXES[kind]), rng.choice(WORDS), rng.choice(WORDS)
            fr, ar = f"{prefix[0]} {word[0]} {extra[0]}", f"{prefix[1]} {word[1]} {extra[1]}"
            if fr in names:
                fr, ar = f"{fr} {len(orgs)}", f"{ar} {len(orgs)}"
        names.add(fr)
        province = rng.choice(provinces)
        main = rng.choice(PROVINCE_LEANING[province]) if rng.random() < 0.7 else rng.choice(list(PRODUCTS))
        cats = [main]
        if rng.random() < 0.4:
            other = rng.choice(list(PRODUCTS))
            if other != main:
                cats.append(other)
        orgs.append(
            {
                "kind": kind,
                "fr": fr,
                "ar": ar,
                "province": province,
                "categories": cats,
                "members": rng.randint(7, 60),
            }
        )
    return orgs


def _exhibitor(
    rng: random.Random, org: dict[str, object], categories: list[str], suffix: bool
) -> dict[str, str]:
    products = []
    for category in categories:
        products += rng.sample(PRODUCTS[category], k=min(2, len(PRODUCTS[category])))
    main = CATEGORY_NAMES[categories[0]]
    province_row = PROVINCES[str(org["province"])]
    name_fr, name_ar = str(org["fr"]), str(org["ar"])
    if suffix:
        name_fr, name_ar = f"{name_fr} – {main['name_fr']}", f"{name_ar} – {main['name_ar']}"
    province = str(org["province"])
    members = org["members"]
    kind = str(org["kind"])
    who_fr = {
        "cooperative": "Coopérative",
        "association": "Association",
        "artisan": "Atelier familial",
        "other": "Groupement",
    }[kind]
    who_ar = {"cooperative": "تعاونية", "association": "جمعية", "artisan": "ورشة عائلية", "other": "مجموعة"}[
        kind
    ]
    who_en = {
        "cooperative": "Cooperative",
        "association": "Association",
        "artisan": "Family workshop",
        "other": "Economic interest group",
    }[kind]
    products_fr = ", ".join(p[0] for p in products)
    products_ar = "، ".join(p[1] for p in products)
    phone = f"05 23 00 {rng.randint(10, 99)} {rng.randint(10, 99)}" if rng.random() < 0.5 else ""
    return {
        "name_fr": name_fr,
        "name_ar": name_ar,
        "kind": kind,
        "organisation": str(org["fr"]),
        "province": province,
        "categories": ";".join(categories),
        "products_fr": products_fr[:1].upper() + products_fr[1:],
        "products_ar": products_ar,
        "description_fr": f"{who_fr} de {members} membres de la province de {province_row['name_fr']} : "
        f"{products_fr}.",
        "description_ar": f"{who_ar} تضم {members} عضوا من إقليم {province_row['name_ar']}: {products_ar}.",
        "description_en": f"{who_en} of {members} members from {province_row['name_en']} "
        f"province: {main['name_en'].lower()}.",
        "phone": phone,
        "stand": "",
    }


def generate(
    rng: random.Random, stands: list[tuple[str, str]], exhibitors: int = 320, organisations: int = 170
) -> list[dict[str, str]]:
    """CSV rows (see ``kiosk.finder.directory.COLUMNS``) of a fictional directory on the
    given (stand number, zone) pairs."""
    orgs = _organisations(rng, organisations)
    rows = []
    for org in orgs:
        cats = list(org["categories"])  # type: ignore[call-overload]
        rows.append(_exhibitor(rng, org, cats, suffix=False))
    # Extra stands of the same organisation, each for another line of products.
    extra_index = 0
    while len(rows) < exhibitors:
        org = orgs[0] if extra_index == 0 else rng.choice(orgs)
        extra_index += 1
        used = {row["name_fr"] for row in rows}
        category = "plants" if org is orgs[0] else rng.choice(list(PRODUCTS))
        row = _exhibitor(rng, org, [category], suffix=True)
        if row["name_fr"] in used:
            continue
        rows.append(row)
    _assign_stands(rng, rows, stands)
    return rows


def _assign_stands(rng: random.Random, rows: list[dict[str, str]], stands: list[tuple[str, str]]) -> None:
    """Crafts go to the heritage zone first; when stands run out, exhibitors share."""
    heritage = [number for number, zone in stands if zone == "heritage"]
    sales = [number for number, zone in stands if zone == "sales"]
    rng.shuffle(sales)
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["categories"].split(";")[0] not in CRAFTS, i))
    free = heritage + sales
    for position, index in enumerate(order):
        if position < len(free):
            rows[index]["stand"] = free[position]
        else:
            rows[index]["stand"] = rows[order[rng.randrange(position)]]["stand"].split(";")[0]
