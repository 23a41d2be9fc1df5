"""The demo fair's programme, door staff and registrations (fictional people).

Eight days: two themed conferences on the social and solidarity economy, two
training workshops for cooperatives, a kids' activity and an evening show each day.
Workshops need a registration; the demo books most seats, overbooks a few (waitlist)
and cancels some. Demo staff accounts have the fixed PINs of ``DEMO_STAFF``.
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from datetime import date, datetime, time, timedelta

import click

from kiosk import clock
from kiosk import db as dbmod
from kiosk import staff as accounts
from kiosk.db import Database
from kiosk.sessions import registrations

# name, role, PIN: for the demo only, printed when the demo is built.
DEMO_STAFF = [
    ("Hanane", "organizer", "246810"),
    ("Omar", "gate", "1357"),
    ("Rachid", "workshop", "2468"),
    ("Meryem", "workshop", "8642"),
]

CONFERENCES = [
    (
        "L'économie sociale et solidaire, levier du développement régional",
        "الاقتصاد الاجتماعي والتضامني رافعة للتنمية الجهوية",
        "The social and solidarity economy as a lever for regional development",
    ),
    (
        "Les femmes coopératrices dans le monde rural",
        "المرأة التعاونية في العالم القروي",
        "Women in rural cooperatives",
    ),
    (
        "Financer les coopératives : microcrédit et fonds de soutien",
        "تمويل التعاونيات: القروض الصغرى وصناديق الدعم",
        "Financing cooperatives: microcredit and support funds",
    ),
    (
        "Produits du terroir et tourisme rural",
        "المنتجات المحلية والسياحة القروية",
        "Local products and rural tourism",
    ),
    ("Jeunes et entrepreneuriat social", "الشباب والمقاولة الاجتماعية", "Youth and social entrepreneurship"),
    (
        "L'économie circulaire dans l'artisanat",
        "الاقتصاد الدائري في الصناعة التقليدية",
        "The circular economy in crafts",
    ),
    (
        "Commerce équitable et accès aux marchés",
        "التجارة العادلة والولوج إلى الأسواق",
        "Fair trade and market access",
    ),
    (
        "Le numérique au service de l'ESS",
        "الرقمنة في خدمة الاقتصاد الاجتماعي والتضامني",
        "Digital tools for the social and solidarity economy",
    ),
    (
        "Gouvernance coopérative et loi 112-12",
        "الحوكمة التعاونية والقانون 112.12",
        "Cooperative governance and law 112-12",
    ),
    (
        "Changement climatique et agriculture solidaire",
        "التغير المناخي والفلاحة التضامنية",
        "Climate change and solidarity farming",
    ),
    (
        "Activités génératrices de revenus : bilan et perspectives",
        "الأنشطة المدرة للدخل: حصيلة وآفاق",
        "Income-generating activities: results and outlook",
    ),
    (
        "Filières olive, miel et grenade de la région",
        "سلاسل الزيتون والعسل والرمان في الجهة",
        "Olive, honey and pomegranate value chains in the region",
    ),
    (
        "Mutuelles et protection sociale des coopérateurs",
        "التعاضديات والحماية الاجتماعية للتعاونيين",
        "Mutual societies and social protection for cooperative members",
    ),
    (
        "Le patrimoine immatériel, ressource économique",
        "التراث اللامادي مورد اقتصادي",
        "Intangible heritage as an economic resource",
    ),
    (
        "Partenariats entre collectivités et associations",
        "الشراكة بين الجماعات الترابية والجمعيات",
        "Partnerships between local authorities and associations",
    ),
    (
        "Bilan du salon et témoignages de coopératives",
        "حصيلة المعرض وشهادات التعاونيات",
        "Fair review and testimonies from cooperatives",
    ),
]

WORKSHOPS = [
    (
        "Étiquetage des produits et exigences sanitaires",
        "وسم المنتجات والمتطلبات الصحية",
        "Product labelling and food safety requirements",
    ),
    (
        "Exporter ses produits : premiers pas",
        "تصدير المنتجات: الخطوات الأولى",
        "Exporting your products: first steps",
    ),
    (
        "Marketing digital et réseaux sociaux",
        "التسويق الرقمي وشبكات التواصل الاجتماعي",
        "Digital marketing and social media",
    ),
    (
        "Comptabilité coopérative simplifiée",
        "المحاسبة التعاونية المبسطة",
        "Simplified cooperative accounting",
    ),
    (
        "Photographier ses produits avec un téléphone",
        "تصوير المنتجات بالهاتف",
        "Photographing your products with a phone",
    ),
    ("Emballage et conditionnement", "التلفيف والتعبئة", "Packaging"),
    (
        "Vendre en ligne : plateformes et paiement",
        "البيع عبر الإنترنت: المنصات والأداء",
        "Selling online: platforms and payment",
    ),
    ("Calculer ses coûts et fixer ses prix", "حساب التكاليف وتحديد الأسعار", "Costing and pricing"),
]

KIDS = [
    ("L'heure du conte", "ساعة الحكاية", "Story time"),
    ("Modelage et peinture sur argile", "التشكيل والرسم على الطين", "Clay modelling and painting"),
    ("Jeux traditionnels marocains", "ألعاب تقليدية مغربية", "Traditional Moroccan games"),
    ("Théâtre de marionnettes", "مسرح العرائس", "Puppet theatre"),
    ("Initiation au tissage", "التعرف على النسيج", "First steps in weaving"),
    ("Dessine ton souk", "ارسم سوقك", "Draw your souk"),
    ("Atelier cuisine : msemen", "ورشة الطبخ: المسمن", "Cooking workshop: msemen"),
    ("Chasse au trésor du salon", "البحث عن الكنز في المعرض", "Fair treasure hunt"),
]

SHOWS = [
    ("Soirée ahidous", "سهرة أحيدوس", "Ahidous evening"),
    ("Soirée aïta", "سهرة العيطة", "Aita evening"),
    ("Concert de musique andalouse", "حفل الموسيقى الأندلسية", "Andalusian music concert"),
    ("Nuit gnaoua", "ليلة كناوة", "Gnawa night"),
    ("Soirée chaâbi", "سهرة الشعبي", "Chaabi evening"),
    ("Théâtre : la coopérative du village", "مسرح: تعاونية القرية", "Theatre: the village cooperative"),
    ("Concert de clôture : jeunes talents", "حفل الاختتام: مواهب شابة", "Closing concert: young talents"),
    ("Grande soirée de clôture", "سهرة الاختتام الكبرى", "Grand closing night"),
]

# Fictional speakers and trainers.
SPEAKERS = [
    "Dr. Amina Lahlou",
    "Pr. Mustapha Ouali",
    "Khadija Benjelloun",
    "Said Amrani",
    "Dr. Naima Zeroual",
    "Abdelilah Kabbaj",
    "Hind Tazi",
    "Mohamed Ait Ouarab",
]
TRAINERS = ["Fatima Zahra Naciri", "Hicham Berrada", "Laila Chraibi", "Yassine Ouazzani"]
KIDS_LEADERS = ["Association Les Petits Artisans", "Troupe Atlas Jeunesse"]
SHOW_ARTISTS = ["Troupe de la région", "Ensemble régional"]

FIRST_NAMES = [
    "Aicha",
    "Fatima",
    "Khadija",
    "Zineb",
    "Hafsa",
    "Imane",
    "Sanaa",
    "Naima",
    "Loubna",
    "Souad",
    "Mohamed",
    "Ahmed",
    "Brahim",
    "Hassan",
    "Mustapha",
    "Abdellah",
    "Khalid",
    "Driss",
    "Hamid",
    "Aziz",
]
LAST_NAMES = [
    "Amrani",
    "Bennani",
    "Chakir",
    "El Fassi",
    "Haddou",
    "Idrissi",
    "Jaafari",
    "Lamrani",
    "Moussaoui",
    "Naciri",
    "Ouchen",
    "Rahmouni",
    "Sebti",
    "Tahiri",
    "Zahraoui",
    "Belhaj",
    "Ait Lahcen",
    "Bouzid",
]


def _session(
    conn: sqlite3.Connection,
    rng: random.Random,
    titles: tuple[str, str, str],
    speaker: str,
    zone: str,
    starts: datetime,
    minutes: int,
    capacity: int,
    kind: str,
    required: bool,
) -> str:
    session_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    conn.execute(
        "INSERT INTO sessions (id, title_fr, title_ar, title_en, speaker, zone_id, starts_at,"
        " ends_at, capacity, kind, registration_required) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            session_id,
            *titles,
            speaker,
            zone,
            clock.iso(starts),
            clock.iso(starts + timedelta(minutes=minutes)),
            capacity,
            kind,
            int(required),
        ),
    )
    return session_id


def _register_some(
    conn: sqlite3.Connection,
    rng: random.Random,
    session_id: str,
    count: int,
    day: date,
    booked_from: datetime,
) -> None:
    serials = [
        row[0]
        for row in conn.execute(
            "SELECT serial FROM tickets WHERE type_id = 'workshop' AND valid_from = ? ORDER BY serial",
            (day.isoformat(),),
        )
    ]
    rng.shuffle(serials)
    moment = booked_from
    for index in range(count):
        moment += timedelta(minutes=rng.randint(5, 300))
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        phone = f"06{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.7 else ""
        # About half the seats are booked with a workshop ticket, the others on their own QR.
        serial = serials.pop() if serials and index % 2 == 0 else None
        row = registrations.register(
            conn, session_id, name, moment, phone=phone, ticket_serial=serial, rng=rng
        )
        if rng.random() < 0.08:
            registrations.cancel(conn, str(row["id"]), moment + timedelta(hours=rng.randint(1, 48)))


def build_demo(db: Database, rng: random.Random, start: date) -> None:
    """Programme, registrations and staff accounts of the demo fair (a ``DEMO_PARTS`` entry),
    one day's programme for each of the fair's days (built before the parts)."""
    with dbmod.write(db) as conn:
        fair_days = conn.execute("SELECT count(*) FROM event_days").fetchone()[0]
        for name, role, pin in DEMO_STAFF:
            accounts.add_staff(conn, name, role, pin)
        booked_from = clock.at(start - timedelta(days=10), time(9))
        for index in range(fair_days):
            day = start + timedelta(days=index)
            last_days = index >= fair_days - 2
            _session(
                conn,
                rng,
                CONFERENCES[2 * index],
                rng.choice(SPEAKERS),
                "conference",
                clock.at(day, time(10, 30)),
                90,
                150,
                "conference",
                False,
            )
            _session(
                conn,
                rng,
                CONFERENCES[2 * index + 1],
                rng.choice(SPEAKERS),
                "conference",
                clock.at(day, time(15)),
                90,
                150,
                "conference",
                False,
            )
            for slot, hour in enumerate((time(11), time(14, 30))):
                titles = WORKSHOPS[(2 * index + slot) % len(WORKSHOPS)]
                capacity = rng.choice((16, 20, 24))
                workshop = _session(
                    conn,
                    rng,
                    titles,
                    rng.choice(TRAINERS),
                    "workshop",
                    clock.at(day, hour),
                    120,
                    capacity,
                    "workshop",
                    True,
                )
                _register_some(conn, rng, workshop, capacity + rng.randint(-6, 5), day, booked_from)
            _session(
                conn,
                rng,
                KIDS[index],
                rng.choice(KIDS_LEADERS),
                "kids",
                clock.at(day, time(16)),
                60,
                30,
                "kids",
                False,
            )
            _session(
                conn,
                rng,
                SHOWS[index],
                rng.choice(SHOW_ARTISTS),
                "stage",
                clock.at(day, time(21) if last_days else time(20)),
                150 if last_days else 120,
                1200,
                "show",
                False,
            )
    click.echo(
        "Demo staff (name, role, PIN): " + "; ".join(f"{name} {role} {pin}" for name, role, pin in DEMO_STAFF)
    )
