"""Who uses Packdesk, for `make loadtest` (bench/loadtest.py runs locust on this file).

Packers open an order and add a tracking number to one of its lines; owners browse the list
(quick views, status filters, name search, the next page) and open orders; an API client
queries orders and bulk-creates fulfillments. For the baseline, `ListReader` and
`StockAdminReader` read the orders list and the stock Django admin changelist the same way.
`ListOnly` (`make loadtest LOADTEST_ARGS=--list-only`) measures the list page's throughput
alone: owners reading list pages (quick views and filters, as full pages and as the HTMX swaps
that filtering and paging fetch) back to back, or at LOADTEST_RATE pages/s in all.
Users arrive logged in (sessions made by bench/loadtest.py, no password hashing under load).
The data comes from the JSON file named by LOADTEST_DATA.
"""

from __future__ import annotations

import json
import os
import random
import time

from locust import HttpUser, between, task
from locust.contrib.fasthttp import FastHttpUser

DATA = json.loads(open(os.environ["LOADTEST_DATA"]).read())  # noqa: SIM115
CSRF = DATA["csrf"]
NAMES = ["smith", "maya", "garcia", "lee", "anna"]
FILTERS = [
    "",
    "?view=unfulfilled",
    "?view=unpaid",
    "?f=paymentStatus&op=%24eq&v=PAID",
    "?f=fulfillmentStatus&op=%24eq&v=NOT_FULFILLED",
]


class SessionUser(HttpUser):
    abstract = True
    role = ""

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", random.choice(DATA["sessions"][self.role]))
        self.client.cookies.set("csrftoken", CSRF)


class Packer(SessionUser):
    weight = 3
    wait_time = between(0.5, 2)
    role = "packer"

    @task(2)
    def open_order(self) -> None:
        order = random.choice(DATA["orders"])
        self.client.get(f"/orders/{order['number']}/", name="order page")

    @task(1)
    def create_fulfillment(self) -> None:
        order = random.choice(DATA["orders"])
        prefix = "line-1-"
        self.client.post(
            f"/fulfillments/{order['number']}/lines/1/",
            {
                prefix + "quantity": 1,
                prefix + "carrier": "ups",
                prefix + "tracking_number": f"1Z{random.randrange(10**8):08d}",
            },
            headers={"X-CSRFToken": CSRF, "Referer": self.host + "/"},
            name="create fulfillment (page)",
            allow_redirects=False,
        )


class Owner(SessionUser):
    weight = 3
    wait_time = between(0.5, 2)
    role = "owner"

    @task(4)
    def list_with_filters(self) -> None:
        self.client.get("/orders/" + random.choice(FILTERS), name="list (filters)")

    @task(2)
    def search_name(self) -> None:
        self.client.get(f"/orders/?q={random.choice(NAMES)}", name="list (name search)")

    @task(2)
    def next_page(self) -> None:
        self.client.get("/orders/?page=2", name="list (page 2)")

    @task(2)
    def open_order(self) -> None:
        order = random.choice(DATA["orders"])
        self.client.get(f"/orders/{order['number']}/", name="order page")


class ApiClient(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = DATA["api_key"]

    @task(4)
    def query(self) -> None:
        body = {"query": {"filter": {"paymentStatus": "PAID"}, "paging": {"limit": 50}}}
        self.client.post("/api/stores/v2/orders/query", json=body, name="API query")

    @task(1)
    def bulk_create(self) -> None:
        orders = random.sample(DATA["orders"], 25)
        body = {
            "ordersWithFulfillments": [
                {
                    "orderId": order["id"],
                    "fulfillments": [
                        {
                            "lineItems": [{"id": order["line_id"], "quantity": 1}],
                            "trackingInfo": {"shippingProvider": "usps", "trackingNumber": "94"},
                        }
                    ],
                }
                for order in orders
            ]
        }
        self.client.post(
            "/api/ecom/v1/fulfillments/orders/bulk/create-fulfillments",
            json=body,
            name="API bulk create 25 orders",
        )


class ListReader(SessionUser):
    """The baseline pair: our list page and the stock admin changelist, read alike."""

    role = "owner"
    wait_time = between(0, 0.1)

    @task
    def list_page(self) -> None:
        self.client.get("/orders/", name="baseline: Packdesk list")

    @task
    def list_search(self) -> None:
        self.client.get(f"/orders/?q={random.choice(NAMES)}", name="baseline: Packdesk search")


class StockAdminReader(SessionUser):
    role = "owner"
    wait_time = between(0, 0.1)

    @task
    def changelist(self) -> None:
        self.client.get("/stock-admin/orders/order/", name="baseline: stock admin list")

    @task
    def changelist_search(self) -> None:
        # The stock admin has no search_fields: ?q= is ignored, so filter by a field instead.
        self.client.get(
            "/stock-admin/orders/order/?payment_status__exact=PAID",
            name="baseline: stock admin filtered",
        )


# Pages/s all ListOnly users together aim for; 0 = as fast as the server answers.
LIST_RATE = float(os.environ.get("LOADTEST_RATE") or 0)
LIST_USERS = int(os.environ.get("LOADTEST_USERS") or 1)


class ListOnly(FastHttpUser):
    """Owners reading the list page and nothing else. FastHttpUser (geventhttpclient) costs
    the load generator a fraction of HttpUser's CPU, which shares the machine being measured."""

    def wait_time(self) -> float:
        """As fast as the server answers, or, with a rate, independent arrivals (a Poisson
        process per user, together LIST_RATE pages/s): owners do not click in step, and
        constant_throughput's fixed period keeps users that started together in step."""
        if not LIST_RATE:
            return 0.0
        now = time.monotonic()
        self.next_start = getattr(self, "next_start", now) + random.expovariate(
            LIST_RATE / LIST_USERS
        )
        return max(0.0, self.next_start - now)

    def on_start(self) -> None:
        self.cookie = {"Cookie": f"sessionid={random.choice(DATA['sessions']['owner'])}"}

    @task(1)
    def full_page(self) -> None:
        self.client.get("/orders/" + random.choice(FILTERS), headers=self.cookie, name="list page")

    @task(1)
    def swap(self) -> None:
        self.client.get(
            "/orders/" + random.choice(FILTERS),
            headers={**self.cookie, "HX-Request": "true"},
            name="list swap (HTMX)",
        )
