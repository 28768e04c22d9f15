"""Realistic demo orders, generated inside PostgreSQL so that a million takes minutes.

Rows are built with INSERT ... SELECT over generate_series in batches, never one save per row:
the product catalogue is a temporary table, names and places are arrays, random() draws every
decision once per order (in a temporary "plan" table) so that orders, line items, fulfillments,
refunds and activities agree: totals add up, fulfillmentStatus matches the fulfillments, and
lastUpdated is the time of the latest activity. A skewed pick makes some products popular and
others rare (benchmarks filter on both); numbers increase with the date.
"""

from __future__ import annotations

import json
import time
import uuid

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from fulfillments.carriers import CARRIER_LINKS, KNOWN_CARRIER_CHOICES
from orders.demo import load_spec_orders
from orders.models import ORDER_NUMBER_SEQUENCE, Order

FIRST_NAMES = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Noa",
    "Yael",
    "Daniel",
    "Maya",
    "Omar",
    "Lea",
    "Lucas",
    "Emma",
    "Hugo",
    "Chloe",
    "Mateo",
    "Sofia",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "Ethan",
    "Mia",
    "Aiden",
    "Isla",
    "Leo",
    "Zoe",
    "Arjun",
    "Priya",
    "Kenji",
    "Yuki",
    "Lars",
    "Ingrid",
    "Pierre",
    "Amelie",
    "Marco",
    "Giulia",
    "Diego",
    "Lucia",
    "Tomas",
    "Elena",
    "Jonas",
    "Freya",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Cohen",
    "Levi",
    "Mueller",
    "Schmidt",
    "Rossi",
    "Dubois",
    "Tanaka",
    "Sato",
    "Kowalski",
    "Novak",
    "Jensen",
]
PLACES = [
    ("US", "US-NY", "New York", "10011"),
    ("US", "US-CA", "San Francisco", "94107"),
    ("US", "US-TX", "Austin", "73301"),
    ("US", "US-IL", "Chicago", "60601"),
    ("CA", "CA-ON", "Toronto", "M5V 2T6"),
    ("GB", "GB-LND", "London", "EC1A 1BB"),
    ("DE", "DE-BE", "Berlin", "10115"),
    ("FR", "FR-75", "Paris", "75001"),
    ("IL", "IL-TA", "Tel Aviv", "6100000"),
    ("AU", "AU-NSW", "Sydney", "2000"),
    ("JP", "JP-13", "Tokyo", "100-0001"),
    ("NL", "NL-NH", "Amsterdam", "1011"),
]
STREETS = [
    "Main",
    "Oak",
    "Pine",
    "Maple",
    "Cedar",
    "Elm",
    "Washington",
    "Lake",
    "Hill",
    "Park",
    "Market",
    "Church",
]
PRODUCTS = [
    # name, price, options ((option, selections), ...), type
    (
        "Indonesian Blend",
        "35.00",
        (("Weight", "250g 500g 1kg"), ("Ground for", "Stovetop Filter Espresso")),
        "PHYSICAL",
    ),
    (
        "Brazilian Arabica",
        "48.75",
        (("Weight", "250g 500g"), ("Ground for", "Filter Espresso")),
        "PHYSICAL",
    ),
    (
        "Shoe",
        "85.00",
        (("Color", "Brown Black White"), ("Size", "38 39 40 41 42 43 44")),
        "PHYSICAL",
    ),
    ("Watch", "35.00", (("Size", "Small Large"), ("Color", "Black Silver Gold")), "PHYSICAL"),
    ("Shirt", "10.00", (("Size", "S M L XL"),), "PHYSICAL"),
    ("Women's hoodie", "84.00", (("Color", "Gray Pink Black"), ("Size", "S M L")), "PHYSICAL"),
    ("Boring turtle", "80.00", (("Color", "White Green"),), "PHYSICAL"),
    ("Canvas tote bag", "19.00", (("Color", "Natural Black"),), "PHYSICAL"),
    ("Ceramic mug", "14.50", (("Color", "White Blue Sand"),), "PHYSICAL"),
    ("Espresso cups (set of 4)", "29.00", (), "PHYSICAL"),
    ("Pour-over kettle", "64.00", (("Finish", "Steel Matte black"),), "PHYSICAL"),
    ("Hand grinder", "89.00", (), "PHYSICAL"),
    ("Linen apron", "39.00", (("Color", "Olive Rust Navy"),), "PHYSICAL"),
    ("Wool beanie", "24.00", (("Color", "Charcoal Mustard Red"),), "PHYSICAL"),
    ("Running socks (3 pack)", "18.00", (("Size", "S M L"),), "PHYSICAL"),
    ("Leather wallet", "55.00", (("Color", "Tan Black"),), "PHYSICAL"),
    ("Sunglasses", "120.00", (("Lens", "Gray Green Brown"),), "PHYSICAL"),
    ("Notebook A5", "12.00", (("Paper", "Dotted Lined Blank"),), "PHYSICAL"),
    ("Fountain pen", "45.00", (("Nib", "F M B"),), "PHYSICAL"),
    ("Desk lamp", "79.00", (("Color", "White Black"),), "PHYSICAL"),
    ("Scented candle", "22.00", (("Scent", "Cedar Fig Sea-salt"),), "PHYSICAL"),
    ("Yoga mat", "49.00", (("Color", "Purple Teal Black"),), "PHYSICAL"),
    ("Water bottle", "27.00", (("Size", "500ml 750ml 1l"),), "PHYSICAL"),
    ("Backpack", "110.00", (("Color", "Black Navy Olive"),), "PHYSICAL"),
    ("Rain jacket", "140.00", (("Size", "S M L XL"), ("Color", "Yellow Navy")), "PHYSICAL"),
    ("Denim jeans", "75.00", (("Waist", "28 30 32 34 36"), ("Length", "30 32 34")), "PHYSICAL"),
    ("Chino shorts", "45.00", (("Size", "S M L XL"),), "PHYSICAL"),
    ("Silk scarf", "65.00", (("Pattern", "Floral Paisley Plain"),), "PHYSICAL"),
    ("Bluetooth speaker", "99.00", (("Color", "Black Red"),), "PHYSICAL"),
    ("Wireless earbuds", "129.00", (), "PHYSICAL"),
    ("Phone case", "25.00", (("Model", "Phone-12 Phone-13 Phone-14 Phone-15"),), "PHYSICAL"),
    ("USB-C cable", "15.00", (("Length", "1m 2m"),), "PHYSICAL"),
    ("Plant pot", "32.00", (("Size", "Small Medium Large"),), "PHYSICAL"),
    ("Herb seeds kit", "17.00", (), "PHYSICAL"),
    ("Cutting board", "38.00", (("Wood", "Oak Walnut"),), "PHYSICAL"),
    ("Chef knife", "95.00", (), "PHYSICAL"),
    ("Tea sampler", "26.00", (("Type", "Green Black Herbal"),), "PHYSICAL"),
    ("Dark chocolate bar", "6.50", (("Cocoa", "70% 85%"),), "PHYSICAL"),
    ("Olive oil 500ml", "21.00", (), "PHYSICAL"),
    ("Honey jar", "13.00", (("Size", "250g 500g"),), "PHYSICAL"),
    ("Kids t-shirt", "16.00", (("Size", "2T 3T 4T 5T"),), "PHYSICAL"),
    ("Plush bear", "28.00", (("Color", "Brown White"),), "PHYSICAL"),
    ("Puzzle 1000 pieces", "24.00", (), "PHYSICAL"),
    ("Board game", "44.00", (), "PHYSICAL"),
    ("Dog collar", "19.50", (("Size", "S M L"),), "PHYSICAL"),
    ("Cat scratcher", "34.00", (), "PHYSICAL"),
    ("Bike light set", "39.00", (), "PHYSICAL"),
    ("Camping mug", "16.00", (("Color", "Green Orange"),), "PHYSICAL"),
    ("Hammock", "89.00", (("Color", "Sand Stripe"),), "PHYSICAL"),
    ("Picture frame", "23.00", (("Size", "A4 A3"),), "PHYSICAL"),
    ("Art print", "40.00", (("Size", "30x40 50x70"),), "PHYSICAL"),
    ("Vinyl record", "30.00", (), "PHYSICAL"),
    ("Perfume 50ml", "98.00", (("Scent", "Citrus Wood Musk"),), "PHYSICAL"),
    ("Face cream", "42.00", (), "PHYSICAL"),
    ("Hair brush", "21.00", (), "PHYSICAL"),
    ("Gift card", "50.00", (), "DIGITAL"),
    ("E-book: Coffee at home", "9.99", (), "DIGITAL"),
    ("Online brewing class", "35.00", (), "DIGITAL"),
    ("Custom engraving", "12.00", (), "CUSTOM_AMOUNT_ITEM"),
    ("Tip for the team", "5.00", (), "CUSTOM_AMOUNT_ITEM"),
    # Kept last: picked for about one line in 5,000 (RARE_PRODUCT), the rest by a skewed draw.
    ("Limited edition print", "250.00", (("Edition", "Signed Unsigned"),), "PHYSICAL"),
]
# (payment status, weight); PAID dominates as in a real shop.
PAYMENT_MIX = [
    ("PAID", 0.62),
    ("NOT_PAID", 0.12),
    ("PENDING", 0.08),
    ("PARTIALLY_PAID", 0.06),
    ("PARTIALLY_REFUNDED", 0.07),
    ("FULLY_REFUNDED", 0.05),
]
CHANNEL_MIX = [
    ("WEB", 0.58),
    ("POS", 0.1),
    ("EBAY", 0.07),
    ("AMAZON", 0.08),
    ("OTHER_PLATFORM", 0.04),
    ("WIX_APP_STORE", 0.03),
    ("WIX_INVOICES", 0.03),
    ("BACKOFFICE_MERCHANT", 0.05),
    ("WISH", 0.02),
]
# Carrier names as the spec spells them and their link templates ("{}" for the number).
SEED_CARRIERS = [(name, CARRIER_LINKS[name.lower()]) for name, _ in KNOWN_CARRIER_CHOICES]
BATCH = 50_000
# Orders span this many days back from now (or from the newest order already there, on a
# second run), so that numbers increase with the date.
SPAN_DAYS = 3 * 365
# A load at least this large (and at least as large as what exists) drops the secondary indexes
# of the order tables and rebuilds them at the end: one sort per index is far cheaper than
# maintaining thirty indexes row by row.
REBUILD_INDEXES_FROM = 50_000
SEED_TABLES = (
    "orders_order",
    "orders_lineitem",
    "orders_activity",
    "orders_refund",
    "fulfillments_fulfillment",
    "fulfillments_fulfillmentlineitem",
)
# Product popularity is skewed: PRODUCTS[0] is in about one line in five, the last ones of the
# skewed draw in well under one in a hundred, and RARE_PRODUCT in about one in 5,000.
POPULAR_PRODUCT = PRODUCTS[0][0]
RARE_PRODUCT = PRODUCTS[-1][0]
RARE_PRODUCT_SHARE = 0.0002
# Repeat buyers: a buyer is a (first name, last name, household) triple with a stable id,
# email and address, so buyerInfo.id and email filters find several orders.
HOUSEHOLDS = 20
# Share of web orders the buyer collects at the shop (pickup), and their instructions.
PICKUP_SHARE_OF_WEB = 0.15
PICKUP_INSTRUCTIONS = "Collect at 12 Market Street, Mon-Sat 9:00-18:00. Bring your order number."
# enteredBy for orders a merchant's staff typed in (POS, back office).
STAFF_ENTERED_BY = "5b1c0f6e-0000-4000-8000-00000000a11c"


def product_id_for(name: str) -> uuid.UUID:
    """Catalogue product ids are stable (uuid5 of the name) so benchmarks can name them."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"packdesk-demo/{name}")


def product_rows() -> list[tuple]:
    rows = []
    for idx, (name, price, options, kind) in enumerate(PRODUCTS):
        # Images are served by Packdesk itself (static/products/), so the demo works offline.
        media = {
            "mediaType": "IMAGE",
            "url": f"/static/products/p{idx:02d}.svg",
            "width": 160,
            "height": 160,
            "mediaId": f"p{idx:02d}.svg",
            "id": f"p{idx:02d}.svg",
        }
        option_sets = [[opt, sel.split()] for opt, sel in options]
        rows.append(
            (
                idx,
                str(product_id_for(name)),
                name,
                price,
                f"SKU-{10000 + idx * 37}",
                kind,
                json.dumps(option_sets),
                json.dumps(media),
            )
        )
    return rows


def mix_case(column_random: str, mix: list[tuple[str, float]]) -> str:
    """A SQL CASE that maps a uniform random value to the weighted choices of `mix`."""
    parts, upto = [], 0.0
    for value, weight in mix[:-1]:
        upto += weight
        parts.append(f"WHEN {column_random} < {upto:.4f} THEN '{value}'")
    return f"CASE {' '.join(parts)} ELSE '{mix[-1][0]}' END"


def sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


class Command(BaseCommand):
    help = "Load the spec's orders, then generate N realistic orders (fast, in PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders", type=int, default=2000, help="How many orders to add.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when generated orders already exist (for `make run`).",
        )
        parser.add_argument("--seed", type=float, default=0.42, help="random() seed, -1..1.")
        parser.add_argument(
            "--days",
            type=int,
            default=SPAN_DAYS,
            help=f"Place the orders over this many days up to now (default {SPAN_DAYS}).",
        )

    def handle(self, *args, orders: int, if_empty: bool, seed: float, days: int, **options) -> None:
        if orders < 0:
            raise CommandError("--orders must be 0 or more.")
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        if not -1 <= seed <= 1:
            raise CommandError("--seed must be between -1 and 1.")
        spec = load_spec_orders()
        generated = Order.objects.exclude(number__in=list(spec))
        if if_empty and generated.exists():
            self.stdout.write("Orders exist already; nothing to seed.")
            return
        started = time.monotonic()
        # One transaction: an interrupted seed leaves nothing behind, dropped indexes included.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem TO '512MB'")
            # Check what earlier statements of the transaction left deferred now: PostgreSQL
            # will not change the indexes of a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SELECT setseed(%s)", [seed])
            cursor.execute(
                "SELECT GREATEST(now() - make_interval(days => %s),"
                " (SELECT max(date_created) + interval '1 second' FROM orders_order"
                "  WHERE NOT (number = ANY(%s)))), now()",
                [days, list(spec)],
            )
            span = cursor.fetchone()
            rebuild: list[tuple[str, str]] = []
            if orders >= REBUILD_INDEXES_FROM and orders >= generated.count():
                rebuild = self._drop_secondary_indexes(cursor)
            self._skip_fk_triggers(cursor)
            self._catalogue(cursor)
            done = 0
            while done < orders:
                size = min(BATCH, orders - done)
                self._batch(cursor, offset=done, size=size, total=orders, span=span)
                done += size
                rate = done / max(time.monotonic() - started, 1e-6)
                self.stdout.write(f"  {done:>9,} / {orders:,} orders ({rate:,.0f}/s)")
            for name, definition in rebuild:
                self.stdout.write(f"  index {name} ...")
                cursor.execute(definition)
            self.stdout.write("  ANALYZE ...")
            for table in SEED_TABLES:
                cursor.execute(f"ANALYZE {table}")
            # Leave the connection as it was (it may be reused, e.g. inside a test).
            cursor.execute(
                "DROP TABLE IF EXISTS seed_products, seed_orders_batch, seed_lines_batch, seed_plan"
            )
            cursor.execute("SET LOCAL session_replication_role TO DEFAULT")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Seeded {orders:,} orders in {elapsed:.1f} s."))

    def _drop_secondary_indexes(self, cursor) -> list[tuple[str, str]]:
        """Drop the non-unique indexes of the seeded tables; return how to rebuild them.

        Read from the catalog, so indexes that later migrations add are rebuilt exactly.
        """
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """,
            [list(SEED_TABLES)],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        return indexes

    def _skip_fk_triggers(self, cursor) -> None:
        """Skip per-row foreign-key checks when the role may (a superuser, as with the embedded
        server): every child row is generated from the parent rows inserted just before it,
        as `pg_restore --disable-triggers` would trust a dump."""
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role TO replica")

    def _catalogue(self, cursor) -> None:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS seed_products (idx int PRIMARY KEY, product_id uuid,"
            " name text, price numeric, sku text, kind text, option_sets jsonb, media jsonb)"
        )
        cursor.execute("TRUNCATE seed_products")
        cursor.executemany(
            "INSERT INTO seed_products VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", product_rows()
        )

    def _batch(self, cursor, *, offset: int, size: int, total: int, span: tuple) -> None:
        self._draw_orders(cursor, offset=offset, size=size, total=total, span=span)
        self._draw_lines(cursor)
        self._plan(cursor)
        self._insert_orders(cursor)
        self._insert_lines_and_fulfillments(cursor)
        self._insert_activities_and_refunds(cursor)

    def _draw_orders(self, cursor, *, offset: int, size: int, total: int, span: tuple) -> None:
        """One row per order holding every random decision, so that later steps agree."""
        n_carriers = len(SEED_CARRIERS)
        cursor.execute("DROP TABLE IF EXISTS seed_orders_batch")
        # Order k of `total` is dated inside the k-th slice of the span: strictly increasing.
        cursor.execute(
            f"""
            CREATE TEMP TABLE seed_orders_batch AS
            SELECT gen_random_uuid() AS id,
                   nextval('{ORDER_NUMBER_SEQUENCE}') AS number,
                   date_trunc('milliseconds', %(start)s::timestamptz
                       + ((%(offset)s + i - 0.95 + 0.9 * random()) / %(total)s)
                       * (%(end)s::timestamptz - %(start)s::timestamptz)) AS created,
                   1 + floor(power(random(), 1.6) * 5)::int AS n_lines,
                   random() AS r_fulfil, random() AS r_pay, random() AS r_channel,
                   random() AS r_archive, random() AS r_note, random() AS r_split,
                   1 + floor(random() * {len(FIRST_NAMES)})::int AS fn,
                   1 + floor(random() * {len(LAST_NAMES)})::int AS ln,
                   1 + floor(random() * {HOUSEHOLDS})::int AS household,
                   1 + floor(random() * {n_carriers})::int AS carrier,
                   1 + floor(random() * {n_carriers})::int AS carrier2,
                   gen_random_uuid() AS fulfillment_id, gen_random_uuid() AS fulfillment_id2,
                   (100000 + floor(random() * 899999999))::bigint AS tracking,
                   (100000 + floor(random() * 899999999))::bigint AS tracking2
            FROM generate_series(1, %(size)s) AS i
            ORDER BY i
            """,
            {"start": span[0], "end": span[1], "offset": offset, "total": total, "size": size},
        )

    def _draw_lines(self, cursor) -> None:
        """Line items with a skewed product pick; their primary keys are drawn here so that
        fulfillment lines can name them without looking them up."""
        n_skewed = len(PRODUCTS) - 1
        cursor.execute("SELECT pg_get_serial_sequence('orders_lineitem', 'id')")
        line_sequence = cursor.fetchone()[0]
        cursor.execute("DROP TABLE IF EXISTS seed_lines_batch")
        cursor.execute(
            f"""
            CREATE TEMP TABLE seed_lines_batch AS
            WITH picks AS MATERIALIZED (
                SELECT o.id AS order_id, k AS index,
                       CASE WHEN random() < {RARE_PRODUCT_SHARE} THEN {n_skewed}
                            ELSE floor(power(random(), 2.5) * {n_skewed})::int END AS pidx,
                       1 + floor(power(random(), 3) * 4)::int AS quantity,
                       random() AS r_opt
                FROM seed_orders_batch o, generate_series(1, o.n_lines) AS k
            )
            SELECT nextval('{line_sequence}') AS pk, picks.order_id, picks.index,
                   picks.quantity, p.product_id, p.name, p.price, p.sku, p.kind, p.media,
                   round(p.price * picks.quantity * 0.08, 2) AS tax,
                   COALESCE((
                       SELECT jsonb_agg(jsonb_build_object(
                           'option', s->>0,
                           'selection', s->1->>(floor(picks.r_opt * jsonb_array_length(s->1)))::int))
                       FROM jsonb_array_elements(p.option_sets) AS s), '[]'::jsonb) AS options
            FROM picks JOIN seed_products p ON p.idx = picks.pidx
            """
        )

    def _plan(self, cursor) -> None:
        """Per order: totals, statuses and the dates of what happened to it.

        2% canceled; ~45% shipped in full (a third of those with more than one shippable line
        in two fulfillments); ~10% partly (the first shippable line); the rest open. Orders
        with nothing to ship are FULFILLED without a fulfillment.
        """
        carrier_names = sql_array([name for name, _ in SEED_CARRIERS])
        carrier_links = sql_array([template for _, template in SEED_CARRIERS])
        payment = mix_case("o.r_pay", PAYMENT_MIX)
        channel = mix_case("o.r_channel", CHANNEL_MIX)
        # Point-of-sale orders are handed over at the counter (no shipment address); a share
        # of web orders is collected at the shop (shippingInfo.pickupDetails). Pickup orders
        # take the top of r_split, so they never ship in two parcels.
        delivery = (
            f"CASE WHEN ({channel}) = 'POS' THEN 'POS' "
            f"WHEN ({channel}) = 'WEB' AND o.r_split >= {1 - PICKUP_SHARE_OF_WEB} "
            "THEN 'PICKUP' ELSE 'SHIP' END"
        )
        cursor.execute("DROP TABLE IF EXISTS seed_plan")
        cursor.execute(
            f"""
            CREATE TEMP TABLE seed_plan AS
            WITH base AS (
                SELECT o.*, agg.subtotal, agg.tax, agg.quantity, agg.physical_quantity,
                       agg.physical_lines, agg.first_physical,
                       CASE WHEN agg.physical_lines > 0
                                 AND {delivery} = 'SHIP' THEN 5.00 ELSE 0 END AS shipping,
                       {payment} AS payment_status, {channel} AS channel,
                       {delivery} AS delivery,
                       CASE WHEN o.r_fulfil < 0.02 THEN 'CANCELED'
                            WHEN agg.physical_lines = 0 THEN 'FULFILLED'
                            WHEN o.r_fulfil < 0.47 THEN 'FULFILLED'
                            WHEN o.r_fulfil < 0.57 AND agg.physical_lines > 1
                                THEN 'PARTIALLY_FULFILLED'
                            ELSE 'NOT_FULFILLED' END AS fulfillment_status
                FROM seed_orders_batch o
                JOIN (
                    SELECT order_id, sum(price * quantity) AS subtotal, sum(tax) AS tax,
                           sum(quantity) AS quantity,
                           COALESCE(sum(quantity) FILTER (WHERE kind = 'PHYSICAL'), 0)
                               AS physical_quantity,
                           count(*) FILTER (WHERE kind = 'PHYSICAL') AS physical_lines,
                           min(index) FILTER (WHERE kind = 'PHYSICAL') AS first_physical
                    FROM seed_lines_batch GROUP BY order_id
                ) agg ON agg.order_id = o.id
            ), events AS (
                SELECT base.*,
                       base.subtotal + base.shipping + base.tax AS total,
                       md5('buyer-' || fn || '-' || ln || '-' || household)::uuid AS buyer_id,
                       1 + (fn * 7 + ln * 3 + household) % {len(PLACES)} AS place,
                       physical_lines > 0
                           AND fulfillment_status IN ('FULFILLED', 'PARTIALLY_FULFILLED') AS ships,
                       fulfillment_status = 'FULFILLED' AND physical_lines > 1
                           AND r_split < 0.33 AND delivery = 'SHIP' AS split,
                       CASE WHEN payment_status IN ('PAID', 'PARTIALLY_REFUNDED', 'FULLY_REFUNDED')
                            THEN LEAST(created + interval '3 minutes', date_trunc('milliseconds', now())) END AS paid_at,
                       CASE WHEN payment_status = 'PARTIALLY_PAID'
                            THEN LEAST(created + interval '3 minutes', date_trunc('milliseconds', now())) END
                           AS partly_paid_at,
                       CASE WHEN payment_status IN ('PARTIALLY_REFUNDED', 'FULLY_REFUNDED')
                            THEN LEAST(created + interval '10 days', date_trunc('milliseconds', now())) END AS refund_at,
                       CASE WHEN fulfillment_status = 'CANCELED'
                            THEN LEAST(created + interval '1 day', date_trunc('milliseconds', now())) END AS canceled_at,
                       LEAST(created + interval '2 days', date_trunc('milliseconds', now())) AS shipped_at,
                       LEAST(created + interval '3 days', date_trunc('milliseconds', now())) AS shipped2_at,
                       CASE WHEN delivery = 'PICKUP' AND (
                                 fulfillment_status IN ('FULFILLED', 'PARTIALLY_FULFILLED')
                                 OR r_note < 0.5)
                            THEN LEAST(created + interval '1 day', date_trunc('milliseconds', now()))
                            END AS ready_at,
                       CASE WHEN delivery = 'SHIP' THEN tracking::text ELSE '' END
                           AS tracking_text,
                       CASE WHEN delivery = 'SHIP' THEN ({carrier_names})[carrier] ELSE '' END
                           AS provider,
                       ({carrier_names})[carrier2] AS provider2,
                       CASE WHEN delivery = 'SHIP'
                            THEN replace(({carrier_links})[carrier], '{{}}', tracking::text)
                            ELSE '' END AS link,
                       replace(({carrier_links})[carrier2], '{{}}', tracking2::text)
                           AS link2
                FROM base
            )
            SELECT events.*,
                   gen_random_uuid() AS refund_id,
                   CASE WHEN payment_status = 'FULLY_REFUNDED' THEN total
                        ELSE round(total * 0.25, 2) END AS refund_amount,
                   GREATEST(created, paid_at, partly_paid_at, refund_at, canceled_at, ready_at,
                            CASE WHEN ships THEN shipped_at END,
                            CASE WHEN split THEN shipped2_at END) AS last_updated
            FROM events
            """
        )

    def _insert_orders(self, cursor) -> None:
        first_names, last_names = sql_array(FIRST_NAMES), sql_array(LAST_NAMES)
        countries = sql_array([p[0] for p in PLACES])
        regions = sql_array([p[1] for p in PLACES])
        cities = sql_array([p[2] for p in PLACES])
        zips = sql_array([p[3] for p in PLACES])
        streets = sql_array(STREETS)
        cursor.execute(
            f"""
            INSERT INTO orders_order (
                id, number, date_created, last_updated, buyer_id, buyer_identity_type,
                buyer_first_name, buyer_last_name, buyer_phone, buyer_email, currency,
                weight_unit, subtotal, shipping_total, tax_total, discount_total, total,
                total_weight, total_quantity, billing_first_name, billing_last_name,
                billing_address, billing_payment, paid_date, shipping_info, buyer_note, read,
                archived, hidden, payment_status, fulfillment_status, discount_value,
                applied_coupon, channel_type, channel_external_order_id, entered_by_id,
                entered_by_identity_type, cart_id, checkout_id, buyer_language, invoice_info,
                custom_field)
            SELECT p.id, p.number, p.created, p.last_updated, p.buyer_id,
                   CASE WHEN p.household % 3 = 0 THEN 'MEMBER' ELSE 'CONTACT' END,
                   b.first, b.last, b.phone, b.email, 'USD', 'KG', p.subtotal, p.shipping,
                   p.tax, 0, p.total, p.physical_quantity * 0.5, p.quantity, b.first, b.last,
                   jsonb_build_object('country', ({countries})[p.place],
                       'subdivision', ({regions})[p.place], 'city', ({cities})[p.place],
                       'zipCode', ({zips})[p.place], 'addressLine1', b.street,
                       'email', b.email, 'phone', b.phone),
                   jsonb_build_object(
                       'paymentMethod', CASE WHEN p.r_pay < 0.5 THEN 'Stripe' ELSE 'PayPal' END,
                       'paymentGatewayTransactionId', gen_random_uuid()::text),
                   p.paid_at,
                   CASE WHEN p.delivery = 'POS' THEN jsonb_build_object(
                       'deliveryOption', 'In store')
                   WHEN p.delivery = 'PICKUP' THEN jsonb_build_object(
                       'deliveryOption', 'Pickup at the shop',
                       'estimatedDeliveryTime', 'Ready within 2 days',
                       'pickupDetails', jsonb_build_object('pickupInstructions', '{PICKUP_INSTRUCTIONS}'))
                   ELSE jsonb_build_object('deliveryOption', 'Standard shipping',
                       'estimatedDeliveryTime', '3 - 5 business days',
                       'shipmentDetails', jsonb_build_object('address', jsonb_build_object(
                           'fullName', jsonb_build_object('firstName', b.first,
                                                          'lastName', b.last),
                           'country', ({countries})[p.place],
                           'subdivision', ({regions})[p.place], 'city', ({cities})[p.place],
                           'zipCode', ({zips})[p.place], 'addressLine1', b.street),
                           'priceData', jsonb_build_object('price', p.shipping::text))) END,
                   CASE WHEN p.r_note < 0.08 THEN 'Please leave it with the neighbour.'
                        ELSE '' END,
                   p.r_note < 0.7 OR p.ships,
                   p.created < now() - interval '1 year' AND p.r_archive < 0.25,
                   false, p.payment_status, p.fulfillment_status, NULL, NULL, p.channel,
                   CASE WHEN p.channel IN ('EBAY', 'AMAZON', 'WISH')
                        THEN p.channel || '-' || p.number::text ELSE '' END,
                   CASE WHEN p.channel IN ('POS', 'BACKOFFICE_MERCHANT')
                        THEN '{STAFF_ENTERED_BY}'::uuid ELSE p.buyer_id END,
                   CASE WHEN p.channel IN ('POS', 'BACKOFFICE_MERCHANT') THEN 'USER'
                        ELSE 'CONTACT' END,
                   gen_random_uuid(), gen_random_uuid(), 'en', NULL, NULL
            FROM seed_plan p
            CROSS JOIN LATERAL (
                SELECT n.first, n.last,
                       lower(n.first || '.' || n.last || p.household::text || '@example.com')
                           AS email,
                       '+1 555 0' || lpad(((p.fn * 31 + p.ln * 17 + p.household) % 1000)::text,
                                          3, '0') AS phone,
                       (10 + (p.fn * 13 + p.ln + p.household) % 890)::text || ' '
                           || ({streets})[1 + (p.ln + p.household) % {len(STREETS)}]
                           || ' Street' AS street
                FROM (SELECT ({first_names})[p.fn] AS first, ({last_names})[p.ln] AS last) n
            ) b
            ORDER BY p.number
            """
        )

    def _insert_lines_and_fulfillments(self, cursor) -> None:
        cursor.execute(
            """
            INSERT INTO orders_lineitem (
                id, order_id, index, line_id, quantity, name, translated_name, product_id,
                variant_id, sku, line_item_type, price, total_price, tax, discount,
                tax_included_in_price, weight, options, custom_text_fields, media_item,
                fulfiller_id, tax_group_id, refunded_quantity)
            SELECT pk, order_id, index, gen_random_uuid(), quantity, name, name, product_id,
                   NULL, sku, kind, price, price * quantity, tax, 0, false,
                   CASE WHEN kind = 'PHYSICAL' THEN 0.5 END, options, '[]'::jsonb, media,
                   NULL, NULL, 0
            FROM seed_lines_batch
            ORDER BY pk
            """
        )
        cursor.execute(
            """
            INSERT INTO fulfillments_fulfillment (
                id, order_id, date_created, tracking_number, shipping_provider, tracking_link,
                created_by_id)
            SELECT fulfillment_id, id, shipped_at, tracking_text, provider, link, NULL::integer
            FROM seed_plan WHERE ships
            UNION ALL
            SELECT fulfillment_id2, id, shipped2_at, tracking2::text, provider2, link2,
                   NULL::integer
            FROM seed_plan WHERE split
            """
        )
        # A split order ships its first shippable line, then the others; a partly fulfilled
        # one only the first.
        cursor.execute(
            """
            INSERT INTO fulfillments_fulfillmentlineitem (fulfillment_id, line_item_id, quantity)
            SELECT CASE WHEN p.split AND l.index <> p.first_physical THEN p.fulfillment_id2
                        ELSE p.fulfillment_id END,
                   l.pk, l.quantity
            FROM seed_plan p JOIN seed_lines_batch l ON l.order_id = p.id AND l.kind = 'PHYSICAL'
            WHERE p.ships AND (p.fulfillment_status = 'FULFILLED' OR l.index = p.first_physical)
            """
        )

    def _insert_activities_and_refunds(self, cursor) -> None:
        cursor.execute(
            """
            INSERT INTO orders_refund (
                id, order_id, date_created, amount, reason, external_refund, line_items, actor_id)
            SELECT refund_id, id, refund_at, refund_amount,
                   CASE WHEN r_note < 0.5 THEN 'Customer request' ELSE 'Damaged in transit' END,
                   false, '[]'::jsonb, NULL
            FROM seed_plan WHERE refund_at IS NOT NULL
            """
        )
        cursor.execute(
            """
            INSERT INTO orders_activity (order_id, type, timestamp, actor_id, details)
            SELECT p.id, a.type, a.ts, NULL, a.details
            FROM seed_plan p CROSS JOIN LATERAL (VALUES
                ('ORDER_PLACED', p.created, '{}'::jsonb, true),
                ('ORDER_PAID', p.paid_at, '{}'::jsonb, p.paid_at IS NOT NULL),
                ('ORDER_PARTIALLY_PAID', p.partly_paid_at, '{}'::jsonb,
                    p.partly_paid_at IS NOT NULL),
                ('FULFILLMENT_CREATED', p.shipped_at,
                    jsonb_build_object('fulfillmentId', p.fulfillment_id), p.ships),
                ('FULFILLMENT_CREATED', p.shipped2_at,
                    jsonb_build_object('fulfillmentId', p.fulfillment_id2), p.split),
                ('PICKUP_READY_EMAIL_SENT', p.ready_at,
                    jsonb_build_object('pickupInstructions', '{PICKUP_INSTRUCTIONS}'),
                    p.ready_at IS NOT NULL),
                ('TRACKING_NUMBER_ADDED', p.shipped_at,
                    jsonb_build_object('fulfillmentId', p.fulfillment_id,
                                       'trackingNumber', p.tracking::text),
                    p.ships AND p.delivery = 'SHIP'),
                ('TRACKING_LINK_WAS_SET', p.shipped_at,
                    jsonb_build_object('fulfillmentId', p.fulfillment_id,
                                       'trackingLink', p.link), p.ships AND p.delivery = 'SHIP'),
                ('TRACKING_NUMBER_ADDED', p.shipped2_at,
                    jsonb_build_object('fulfillmentId', p.fulfillment_id2,
                                       'trackingNumber', p.tracking2::text), p.split),
                ('TRACKING_LINK_WAS_SET', p.shipped2_at,
                    jsonb_build_object('fulfillmentId', p.fulfillment_id2,
                                       'trackingLink', p.link2), p.split),
                ('ORDER_FULFILLED',
                    GREATEST(p.shipped_at, CASE WHEN p.split THEN p.shipped2_at END), '{}'::jsonb,
                    p.ships AND p.fulfillment_status = 'FULFILLED'),
                ('ORDER_CANCELED', p.canceled_at,
                    '{"previousFulfillmentStatus": "NOT_FULFILLED"}'::jsonb,
                    p.canceled_at IS NOT NULL),
                ('ORDER_REFUNDED', p.refund_at,
                    jsonb_build_object('refundId', p.refund_id, 'amount', p.refund_amount::text),
                    p.refund_at IS NOT NULL)
            ) AS a(type, ts, details, keep)
            WHERE a.keep
            """.replace("{PICKUP_INSTRUCTIONS}", PICKUP_INSTRUCTIONS)
        )
