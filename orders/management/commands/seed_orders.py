"""Realistic demo orders, generated inside PostgreSQL so that a million takes minutes.

Rows are built with INSERT ... SELECT over generate_series in batches, never one save per row:
the product catalogue is a temporary table, names and places are arrays, random() picks, and a
skewed pick makes some products popular and others rare (benchmarks filter on both).
"""

from __future__ import annotations

import json
import time
import uuid

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

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
# Carrier names and link templates as the spec shows them.
SEED_CARRIERS = [
    ("fedex", "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber={number}"),
    ("ups", "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums={number}"),
    ("usps", "https://tools.usps.com/go/TrackConfirmAction.action?tLabels={number}"),
    ("dhl", "https://www.logistics.dhl/global-en/home/tracking.html?tracking-id={number}"),
    (
        "canadaPost",
        "https://www.canadapost.ca/cpotools/apps/track/personal/findByTrackNumber?trackingNumber={number}",
    ),
]
BATCH = 50_000
# Orders span this many days back from now; numbers increase with the date.
SPAN_DAYS = 3 * 365


def product_id_for(name: str) -> uuid.UUID:
    """Catalogue product ids are stable (uuid5 of the name) so benchmarks can name them."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"packdesk-demo/{name}")


def product_rows() -> list[tuple]:
    rows = []
    for idx, (name, price, options, kind) in enumerate(PRODUCTS):
        product_id = product_id_for(name)
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
                str(product_id),
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

    def handle(self, *args, orders: int, if_empty: bool, seed: float, **options) -> None:
        spec = load_spec_orders()
        if if_empty and Order.objects.exclude(number__in=list(spec)).exists():
            self.stdout.write("Orders exist already; nothing to seed.")
            return
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
            cursor.execute("SELECT setseed(%s)", [seed])
            self._catalogue(cursor)
            done = 0
            while done < orders:
                size = min(BATCH, orders - done)
                with transaction.atomic():
                    self._batch(cursor, start=done, size=size, total=orders)
                done += size
                rate = done / max(time.monotonic() - started, 1e-6)
                self.stdout.write(f"  {done:>9,} / {orders:,} orders ({rate:,.0f}/s)")
            self.stdout.write("  ANALYZE ...")
            for table in (
                "orders_order",
                "orders_lineitem",
                "orders_activity",
                "fulfillments_fulfillment",
                "fulfillments_fulfillmentlineitem",
            ):
                cursor.execute(f"ANALYZE {table}")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Seeded {orders:,} orders in {elapsed:.1f} s."))

    def _catalogue(self, cursor) -> None:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS seed_products (idx int PRIMARY KEY, product_id uuid,"
            " name text, price numeric, sku text, kind text, option_sets jsonb, media jsonb)"
        )
        cursor.execute("TRUNCATE seed_products")
        cursor.executemany(
            "INSERT INTO seed_products VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", product_rows()
        )

    def _batch(self, cursor, *, start: int, size: int, total: int) -> None:
        n_products = len(PRODUCTS)
        carriers = SEED_CARRIERS
        carrier_names = sql_array([name for name, _ in carriers])
        carrier_links = sql_array([template for _, template in carriers])
        places = PLACES
        # 1. One row per order with every random decision, so later steps agree.
        cursor.execute("DROP TABLE IF EXISTS seed_orders_batch")
        cursor.execute(
            f"""
            CREATE TEMP TABLE seed_orders_batch AS
            SELECT gen_random_uuid() AS id,
                   nextval('{ORDER_NUMBER_SEQUENCE}') AS number,
                   now() - interval '{SPAN_DAYS} days'
                     + ((%(start)s + i)::float8 / %(total)s) * interval '{SPAN_DAYS} days'
                     + random() * interval '1 minute' AS created,
                   1 + floor(power(random(), 1.6) * 5)::int AS n_lines,
                   random() AS r_fulfil, random() AS r_pay, random() AS r_channel,
                   random() AS r_archive, random() AS r_note,
                   1 + floor(random() * {len(FIRST_NAMES)})::int AS fn,
                   1 + floor(random() * {len(LAST_NAMES)})::int AS ln,
                   1 + floor(random() * {len(places)})::int AS place,
                   1 + floor(random() * {len(carriers)})::int AS carrier,
                   gen_random_uuid() AS buyer_id, gen_random_uuid() AS fulfillment_id,
                   (100000 + floor(random() * 899999999))::bigint AS tracking
            FROM generate_series(1, %(size)s) AS i
            """,
            {"start": start, "total": total, "size": size},
        )
        # 2. Line items, with a skewed product pick: product 0 is the most popular.
        cursor.execute("DROP TABLE IF EXISTS seed_lines_batch")
        cursor.execute(
            f"""
            CREATE TEMP TABLE seed_lines_batch AS
            WITH picks AS MATERIALIZED (
                SELECT o.id AS order_id, k AS index,
                       floor(power(random(), 2.5) * {n_products})::int AS pidx,
                       1 + floor(power(random(), 3) * 4)::int AS quantity,
                       random() AS r_opt
                FROM seed_orders_batch o, generate_series(1, o.n_lines) AS k
            )
            SELECT picks.order_id, picks.index, picks.quantity, p.product_id, p.name, p.price,
                   p.sku, p.kind, p.media,
                   COALESCE((
                       SELECT jsonb_agg(jsonb_build_object(
                           'option', s->>0,
                           'selection', s->1->>(floor(picks.r_opt * jsonb_array_length(s->1)))::int))
                       FROM jsonb_array_elements(p.option_sets) AS s), '[]'::jsonb) AS options
            FROM picks JOIN seed_products p ON p.idx = picks.pidx
            """
        )
        cursor.execute("CREATE INDEX ON seed_lines_batch (order_id)")
        first_names, last_names = sql_array(FIRST_NAMES), sql_array(LAST_NAMES)
        countries = sql_array([p[0] for p in places])
        regions = sql_array([p[1] for p in places])
        cities = sql_array([p[2] for p in places])
        zips = sql_array([p[3] for p in places])
        streets = sql_array(STREETS)
        payment = mix_case("o.r_pay", PAYMENT_MIX)
        channel = mix_case("o.r_channel", CHANNEL_MIX)
        # Fulfillment plan: 2% canceled, ~45% fully shipped, ~10% partly (first line), rest open.
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
            SELECT o.id, o.number, o.created,
                   o.created + CASE WHEN o.r_fulfil < 0.57 THEN interval '2 days' ELSE interval '5 minutes' END,
                   o.buyer_id, CASE WHEN o.r_note < 0.6 THEN 'CONTACT' ELSE 'MEMBER' END,
                   f.first, f.last, '+1 555 01' || lpad((o.number % 100)::text, 2, '0'),
                   lower(f.first || '.' || f.last || (o.number % 997)::text || '@example.com'),
                   'USD', 'KG', agg.subtotal, 5.00, round(agg.subtotal * 0.08, 2), 0,
                   agg.subtotal + 5.00 + round(agg.subtotal * 0.08, 2),
                   agg.quantity * 0.5, agg.quantity, f.first, f.last,
                   jsonb_build_object('country', ({countries})[o.place],
                       'subdivision', ({regions})[o.place], 'city', ({cities})[o.place],
                       'zipCode', ({zips})[o.place],
                       'addressLine1', (10 + o.number % 890)::text || ' ' || ({streets})[1 + o.number % 12] || ' Street',
                       'email', lower(f.first || '.' || f.last || (o.number % 997)::text || '@example.com'),
                       'phone', '+1 555 01' || lpad((o.number % 100)::text, 2, '0')),
                   jsonb_build_object('paymentMethod', CASE WHEN o.r_pay < 0.5 THEN 'Stripe' ELSE 'PayPal' END,
                       'paymentGatewayTransactionId', gen_random_uuid()::text),
                   CASE WHEN pay.status IN ('PAID', 'PARTIALLY_REFUNDED', 'FULLY_REFUNDED')
                        THEN o.created + interval '3 minutes' END,
                   jsonb_build_object('deliveryOption', 'Standard shipping',
                       'estimatedDeliveryTime', '3 - 5 business days',
                       'shipmentDetails', jsonb_build_object('address', jsonb_build_object(
                           'fullName', jsonb_build_object('firstName', f.first, 'lastName', f.last),
                           'country', ({countries})[o.place], 'subdivision', ({regions})[o.place],
                           'city', ({cities})[o.place], 'zipCode', ({zips})[o.place],
                           'addressLine1', (10 + o.number % 890)::text || ' ' || ({streets})[1 + o.number % 12] || ' Street'),
                           'priceData', jsonb_build_object('price', '5.00'))),
                   CASE WHEN o.r_note < 0.08 THEN 'Please leave it with the neighbour.' ELSE '' END,
                   o.r_note < 0.7,
                   o.created < now() - interval '1 year' AND o.r_archive < 0.25,
                   false, pay.status,
                   CASE WHEN o.r_fulfil < 0.02 THEN 'CANCELED'
                        WHEN NOT agg.has_physical THEN 'FULFILLED'
                        WHEN o.r_fulfil < 0.47 THEN 'FULFILLED'
                        WHEN o.r_fulfil < 0.57 AND agg.first_physical AND agg.lines > 1 THEN 'PARTIALLY_FULFILLED'
                        ELSE 'NOT_FULFILLED' END,
                   NULL, NULL, ch.channel,
                   CASE WHEN ch.channel IN ('EBAY', 'AMAZON', 'WISH') THEN upper(ch.channel) || '-' || o.number::text ELSE '' END,
                   o.buyer_id, 'CONTACT', gen_random_uuid(), gen_random_uuid(), 'en', NULL, NULL
            FROM seed_orders_batch o
            CROSS JOIN LATERAL (SELECT ({first_names})[o.fn] AS first, ({last_names})[o.ln] AS last) f
            CROSS JOIN LATERAL (SELECT {payment} AS status) pay
            CROSS JOIN LATERAL (SELECT {channel} AS channel) ch
            JOIN (
                SELECT order_id, sum(price * quantity) AS subtotal, sum(quantity) AS quantity,
                       count(*) AS lines, bool_or(kind = 'PHYSICAL') AS has_physical,
                       bool_or(index = 1 AND kind = 'PHYSICAL') AS first_physical
                FROM seed_lines_batch GROUP BY order_id
            ) agg ON agg.order_id = o.id
            ORDER BY o.number
            """
        )
        cursor.execute(
            """
            INSERT INTO orders_lineitem (
                order_id, index, line_id, quantity, name, translated_name, product_id,
                variant_id, sku, line_item_type, price, total_price, tax, discount,
                tax_included_in_price, weight, options, custom_text_fields, media_item,
                fulfiller_id, tax_group_id, refunded_quantity)
            SELECT order_id, index, gen_random_uuid(), quantity, name, name, product_id, NULL,
                   sku, kind, price, price * quantity, round(price * quantity * 0.08, 2), 0,
                   false, CASE WHEN kind = 'PHYSICAL' THEN 0.5 END, options, '[]'::jsonb, media,
                   NULL, NULL, 0
            FROM seed_lines_batch
            """
        )
        # 3. One fulfillment per shipped order: every physical line, or only the first.
        cursor.execute(
            f"""
            INSERT INTO fulfillments_fulfillment (
                id, order_id, date_created, tracking_number, shipping_provider, tracking_link,
                created_by_id)
            SELECT o.fulfillment_id, o.id, o.created + interval '2 days', o.tracking::text,
                   ({carrier_names})[o.carrier],
                   replace(({carrier_links})[o.carrier], '{{number}}', o.tracking::text), NULL
            FROM seed_orders_batch o JOIN orders_order oo ON oo.id = o.id
            WHERE oo.fulfillment_status IN ('FULFILLED', 'PARTIALLY_FULFILLED')
              AND o.r_fulfil >= 0.02 AND o.r_fulfil < 0.57
              AND EXISTS (SELECT 1 FROM seed_lines_batch l
                          WHERE l.order_id = o.id AND l.kind = 'PHYSICAL')
            """
        )
        cursor.execute(
            """
            INSERT INTO fulfillments_fulfillmentlineitem (fulfillment_id, line_item_id, quantity)
            SELECT f.id, li.id, li.quantity
            FROM fulfillments_fulfillment f
            JOIN seed_orders_batch o ON o.fulfillment_id = f.id
            JOIN orders_order oo ON oo.id = o.id
            JOIN orders_lineitem li ON li.order_id = o.id AND li.line_item_type = 'PHYSICAL'
            WHERE oo.fulfillment_status = 'FULFILLED'
               OR (oo.fulfillment_status = 'PARTIALLY_FULFILLED' AND li.index = 1)
            """
        )
        # 4. The activity log that matches the above.
        cursor.execute(
            """
            INSERT INTO orders_activity (order_id, type, timestamp, actor_id, details)
            SELECT o.id, a.type, a.ts, NULL, '{}'::jsonb
            FROM seed_orders_batch o JOIN orders_order oo ON oo.id = o.id
            CROSS JOIN LATERAL (VALUES
                ('ORDER_PLACED', o.created, true),
                ('ORDER_PAID', o.created + interval '3 minutes', oo.paid_date IS NOT NULL),
                ('TRACKING_NUMBER_ADDED', o.created + interval '2 days',
                    EXISTS (SELECT 1 FROM fulfillments_fulfillment f WHERE f.id = o.fulfillment_id)),
                ('TRACKING_LINK_WAS_SET', o.created + interval '2 days',
                    EXISTS (SELECT 1 FROM fulfillments_fulfillment f WHERE f.id = o.fulfillment_id)),
                ('ORDER_FULFILLED', o.created + interval '2 days',
                    oo.fulfillment_status = 'FULFILLED'
                    AND EXISTS (SELECT 1 FROM fulfillments_fulfillment f WHERE f.id = o.fulfillment_id))
            ) AS a(type, ts, keep)
            WHERE a.keep
            """
        )
