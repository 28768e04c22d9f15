"""Wix's own JavaScript SDK (@wix/sdk with @wix/ecom's orderFulfillments) as a Packdesk client.

The SDK talks to https://www.wixapis.com; tests/sdk/run_calls.mjs hands it a fetch that sends
those requests to the live test server instead, so nothing but the base URL changes. Every one
of the six methods runs, and what the SDK returns to its caller is compared with the examples
of the eCommerce Order Fulfillments document (`_id`, `_createdDate` as a Date, ...).
`make test` installs the pinned SDK into tests/sdk/node_modules (git-ignored).
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from fulfillments.models import Fulfillment, FulfillmentLineItem
from orders.demo import load_spec_orders
from orders.models import ApiKey, Order
from tests.conftest import make_user

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "run_calls.mjs"

ORDER_A = "e613320a-8e8f-4f8f-9d87-b5edc9f99788"
ORDER_B = "a6c3a817-579d-4cb5-8521-2fe53b2c4bf1"
ORDER_C = "ed4595fc-4e3d-4ba6-8583-e9e92b97ec8a"
ORDER_10012 = "7001d34b-11a6-4a34-8746-dc8ababeca42"
LINE = "00000000-0000-0000-0000-00000000000{}".format


def date(iso: str) -> dict[str, str]:
    return {"$date": iso}


def fulfillment(fid, created, lines, number, provider, link) -> dict:
    return {
        "_id": fid,
        "_createdDate": date(created),
        "lineItems": [{"_id": LINE(i), "quantity": 1} for i in lines],
        "trackingInfo": {
            "trackingNumber": number,
            "shippingProvider": provider,
            "trackingLink": link,
        },
    }


FEDEX = "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber={}".format
DHL = "https://www.logistics.dhl/global-en/home/tracking.html?tracking-id={}".format
USPS = "https://tools.usps.com/go/TrackConfirmAction.action?tLabels={}".format
CANADA_POST = (
    "https://www.canadapost.ca/cpotools/apps/track/personal/findByTrackNumber?trackingNumber={}"
).format

# The document's examples ("Promise resolves to"), as the SDK returns them.
SINGLE_ORDER_EXAMPLE = {
    "orderWithFulfillments": {
        "orderId": ORDER_10012,
        "fulfillments": [
            fulfillment(
                "00a7eba6-059e-430c-9f8e-9d3d31dd5e9d",
                "2023-03-07T11:51:48.233Z",
                [3],
                "28674",
                "dhl",
                DHL("28674"),
            ),
            fulfillment(
                "47451ae1-7325-4ef6-a0d8-fb91ffa88e2e",
                "2023-03-07T10:24:56.406Z",
                [1, 2],
                "43255",
                "fedex",
                FEDEX("43255"),
            ),
        ],
    }
}
MULTIPLE_ORDERS_EXAMPLE = {
    "ordersWithFulfillments": [
        {
            "orderId": ORDER_C,
            "fulfillments": [
                fulfillment(
                    "3247615d-dbbe-4cc8-a410-6ca809f1283f",
                    "2023-02-27T12:02:57.364Z",
                    [1],
                    "87236",
                    "fedex",
                    FEDEX("87236"),
                ),
            ],
        },
        SINGLE_ORDER_EXAMPLE["orderWithFulfillments"],
    ]
}
CREATED = "91357295-a95c-4973-b210-281640f3e795"  # generated: compared by shape
CREATE_EXAMPLE = {
    "orderWithFulfillments": {
        "orderId": ORDER_A,
        "fulfillments": [
            fulfillment(CREATED, "2023-03-06T15:23:29.967Z", [1], "12345", "dhl", DHL("12345"))
        ],
    },
    "fulfillmentId": CREATED,
}
DELETE_EXAMPLE = {"orderWithFulfillments": {"orderId": ORDER_A, "fulfillments": []}}
BULK_INPUT = [
    {
        "orderId": ORDER_A,
        "fulfillments": [
            {
                "lineItems": [{"_id": LINE(3), "quantity": 1}],
                "trackingInfo": {"trackingNumber": "93645", "shippingProvider": "canadaPost"},
            }
        ],
    },
    {
        "orderId": ORDER_B,
        "fulfillments": [
            {
                "lineItems": [{"_id": LINE(1), "quantity": 1}],
                "trackingInfo": {"trackingNumber": "28674", "shippingProvider": "usps"},
            }
        ],
    },
]
BULK_EXAMPLE = {
    "results": [
        {
            "itemMetadata": {"_id": ORDER_A, "originalIndex": 0, "success": True},
            "ordersWithFulfillments": {
                "orderId": ORDER_A,
                "fulfillments": [
                    fulfillment(
                        CREATED,
                        "2023-03-07T14:30:21.535Z",
                        [3],
                        "93645",
                        "canadaPost",
                        CANADA_POST("93645"),
                    ),
                ],
            },
        },
        {
            "itemMetadata": {"_id": ORDER_B, "originalIndex": 1, "success": True},
            "ordersWithFulfillments": {
                "orderId": ORDER_B,
                "fulfillments": [
                    fulfillment(
                        CREATED, "2023-03-07T14:30:21.535Z", [1], "28674", "usps", USPS("28674")
                    ),
                ],
            },
        },
    ],
    "bulkActionMetadata": {"totalSuccesses": 2, "totalFailures": 0, "undetailedFailures": 0},
}
# updateFulfillment resolves to the OrderWithFulfillments itself (the document's example
# shows it wrapped in {"orderWithFulfillments": ...}; the SDK unwraps it).
UPDATE_EXAMPLE = {
    "orderId": ORDER_B,
    "fulfillments": [
        fulfillment(CREATED, "2023-03-07T14:30:21.535Z", [1], "45677", "usps", USPS("45677"))
    ],
}


def add_fulfillment(order_id, fid, created, lines, number, provider, link):
    order = Order.objects.get(pk=order_id)
    made = Fulfillment.objects.create(
        id=fid,
        order=order,
        date_created=datetime.fromisoformat(created),
        tracking_number=number,
        shipping_provider=provider,
        tracking_link=link,
    )
    FulfillmentLineItem.objects.bulk_create(
        FulfillmentLineItem(fulfillment=made, line_item=order.line_items.get(index=i), quantity=1)
        for i in lines
    )


def run_sdk(server_url: str, api_key: str, calls: list[dict]) -> dict:
    completed = subprocess.run(
        ["node", str(RUNNER)],
        input=json.dumps({"calls": calls}),
        capture_output=True,
        text=True,
        cwd=HERE,
        env={**os.environ, "PACKDESK_URL": server_url, "PACKDESK_API_KEY": api_key},
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def generated_like(actual, example):
    """`example` with the values Packdesk generates (ids, creation dates) taken from `actual`
    once they have the right form: a UUID, a Date."""
    if isinstance(example, dict) and isinstance(actual, dict):
        merged = {}
        for key, value in example.items():
            if key == "_createdDate" and "$date" in actual.get(key, {}):
                datetime.fromisoformat(actual[key]["$date"])
                merged[key] = actual[key]
            elif key in ("_id", "fulfillmentId") and value == CREATED and key in actual:
                uuid.UUID(actual[key])
                merged[key] = actual[key]
            else:
                merged[key] = generated_like(actual.get(key), value)
        return merged
    if isinstance(example, list) and isinstance(actual, list) and len(actual) == len(example):
        return [generated_like(a, e) for a, e in zip(actual, example, strict=True)]
    return example


@pytest.fixture
def sdk_server(live_server):
    load_spec_orders()
    add_fulfillment(
        ORDER_10012,
        "00a7eba6-059e-430c-9f8e-9d3d31dd5e9d",
        "2023-03-07T11:51:48.233+00:00",
        [3],
        "28674",
        "dhl",
        DHL("28674"),
    )
    add_fulfillment(
        ORDER_C,
        "3247615d-dbbe-4cc8-a410-6ca809f1283f",
        "2023-02-27T12:02:57.364+00:00",
        [1],
        "87236",
        "fedex",
        FEDEX("87236"),
    )
    _, key = ApiKey.generate(user=make_user("packer"), name="SDK")
    return live_server.url, key


def test_all_six_methods_return_the_documents_examples(sdk_server):
    url, key = sdk_server
    calls = [
        {"method": "listFulfillmentsForSingleOrder", "args": [ORDER_10012]},
        {"method": "listFulfillmentsForMultipleOrders", "args": [[ORDER_C, ORDER_10012]]},
        {
            "method": "createFulfillment",
            "args": [
                ORDER_A,
                {
                    "lineItems": [{"id": LINE(1), "quantity": 1}],
                    "trackingInfo": {"trackingNumber": "12345", "shippingProvider": "dhl"},
                },
            ],
        },
        {
            "method": "deleteFulfillment",
            "args": [{"orderId": ORDER_A, "fulfillmentId": {"$from": [2, "fulfillmentId"]}}],
        },
        {"method": "bulkCreateFulfillments", "args": [BULK_INPUT]},
        {
            "method": "updateFulfillment",
            "args": [
                {
                    "orderId": ORDER_B,
                    "fulfillmentId": {
                        "$from": [4, "results.1.ordersWithFulfillments.fulfillments.0._id"]
                    },
                },
                {"fulfillment": {"trackingInfo": {"trackingNumber": "45677"}}},
            ],
        },
    ]
    ran = run_sdk(url, key, calls)
    results = [entry.get("result", entry) for entry in ran["output"]]
    assert results[0] == SINGLE_ORDER_EXAMPLE
    assert results[1] == MULTIPLE_ORDERS_EXAMPLE
    assert results[2] == generated_like(results[2], CREATE_EXAMPLE)
    created = results[2]["orderWithFulfillments"]["fulfillments"][0]
    assert created["_id"] == results[2]["fulfillmentId"]
    assert results[3] == DELETE_EXAMPLE
    assert results[4] == generated_like(results[4], BULK_EXAMPLE)
    assert results[5] == generated_like(results[5], UPDATE_EXAMPLE)
    # The SDK called Wix's own paths, which Packdesk serves as well as /api/.
    assert ran["requests"][0] == f"GET /ecom/v1/fulfillments/orders/{ORDER_10012}"
    assert all(
        request.split()[1].startswith("/ecom/v1/fulfillments/") for request in ran["requests"]
    )
    assert not Fulfillment.objects.filter(order_id=ORDER_A, lines__line_item__index=1).exists()


@pytest.mark.parametrize(
    ("method", "args", "status", "text"),
    [
        (
            "createFulfillment",
            [ORDER_A, {"lineItems": [{"id": LINE(9), "quantity": 1}]}],
            400,
            LINE(9),
        ),
        ("listFulfillmentsForSingleOrder", [str(uuid.UUID(int=7))], 404, "not found"),
        (
            "deleteFulfillment",
            [{"orderId": ORDER_A, "fulfillmentId": str(uuid.UUID(int=8))}],
            404,
            "not found",
        ),
        (
            "updateFulfillment",
            [
                {"orderId": ORDER_10012, "fulfillmentId": "47451ae1-7325-4ef6-a0d8-fb91ffa88e2e"},
                {"fulfillment": {"trackingInfo": {"trackingLink": "ftp://x"}}},
            ],
            400,
            "trackingLink",
        ),
    ],
)
def test_errors_surface_as_sdk_errors(sdk_server, method, args, status, text):
    url, key = sdk_server
    before = Fulfillment.objects.count()
    ran = run_sdk(url, key, [{"method": method, "args": args}])
    error = ran["output"][0]["error"]
    assert error["isError"] is True
    assert text.lower() in json.dumps(error).lower(), error
    assert str(status) in json.dumps(error), error
    assert Fulfillment.objects.count() == before


def test_a_wrong_api_key_is_an_sdk_error(sdk_server):
    url, _ = sdk_server
    ran = run_sdk(
        url, "not-a-key", [{"method": "listFulfillmentsForSingleOrder", "args": [ORDER_10012]}]
    )
    assert ran["output"][0]["error"]["isError"] is True
    assert "401" in json.dumps(ran["output"][0]["error"])


def test_a_fulfillment_read_and_sent_back_whole_updates(sdk_server):
    """The SDK's callers read a fulfillment, change its tracking number and send the object
    back: its _id, _createdDate and unchanged line items go with it and are accepted."""
    url, key = sdk_server
    read = {"$from": [0, "orderWithFulfillments.fulfillments.1"]}
    calls = [
        {"method": "listFulfillmentsForSingleOrder", "args": [ORDER_10012]},
        {
            "method": "updateFulfillment",
            "args": [
                {"orderId": ORDER_10012, "fulfillmentId": "47451ae1-7325-4ef6-a0d8-fb91ffa88e2e"},
                {"fulfillment": read},
            ],
        },
    ]
    ran = run_sdk(url, key, calls)
    sent_back = ran["output"][0]["result"]["orderWithFulfillments"]["fulfillments"][1]
    assert sent_back["_id"] == "47451ae1-7325-4ef6-a0d8-fb91ffa88e2e"
    assert "error" not in ran["output"][1], ran["output"][1]
    # updateFulfillment resolves to the OrderWithFulfillments itself (the SDK unwraps it).
    updated = ran["output"][1]["result"]["fulfillments"][1]
    assert updated == sent_back


def test_a_400_names_its_field_to_sdk_callers(sdk_server):
    """Wix's SDK reads the field of a 400 from details.validationError.fieldViolations (a
    standard Wix validation error) and names it in the error it throws."""
    url, key = sdk_server
    ran = run_sdk(
        url,
        key,
        [
            {
                "method": "updateFulfillment",
                "args": [
                    {
                        "orderId": ORDER_10012,
                        "fulfillmentId": "47451ae1-7325-4ef6-a0d8-fb91ffa88e2e",
                    },
                    {"fulfillment": {"trackingInfo": {"trackingLink": "ftp://x"}}},
                ],
            }
        ],
    )
    error = ran["output"][0]["error"]
    violations = error["details"]["validationError"]["fieldViolations"]
    assert [v["field"] for v in violations if v["field"].endswith("trackingLink")], violations
    assert "INVALID_ARGUMENT" in error["message"]


def test_fields_the_document_does_not_define_are_taken_as_null_and_refused_with_a_value(
    sdk_server,
):
    """The SDK types a fulfillment with status, completed and customInfo, which the document
    does not define and Packdesk does not keep: null passes, a value is the SDK's error naming
    the field (not dropped while the caller believes it saved)."""
    url, key = sdk_server
    line = {"lineItems": [{"_id": LINE(2), "quantity": 1}]}
    calls = [
        {
            "method": "createFulfillment",
            "args": [ORDER_A, {**line, "status": None, "completed": None, "customInfo": None}],
        },
        {"method": "createFulfillment", "args": [ORDER_A, {**line, "status": "Ready"}]},
        {
            "method": "updateFulfillment",
            "args": [
                {"orderId": ORDER_A, "fulfillmentId": {"$from": [0, "fulfillmentId"]}},
                {"fulfillment": {"completed": True}},
            ],
        },
    ]
    ran = run_sdk(url, key, calls)
    assert "error" not in ran["output"][0], ran["output"][0]
    for refused, field in ((ran["output"][1], "status"), (ran["output"][2], "completed")):
        error = refused["error"]
        assert "400" in json.dumps(error) or "INVALID_ARGUMENT" in error["message"], error
        violations = error["details"]["validationError"]["fieldViolations"]
        # The SDK names the argument the field came in (updateFulfillment's "options").
        (named,) = [v["field"] for v in violations]
        assert named.endswith(f"fulfillment.{field}"), named
    assert Fulfillment.objects.filter(order_id=ORDER_A).count() == 1


def test_update_without_options_changes_nothing(sdk_server):
    """The document gives updateFulfillment's `options` as optional (the identifiers alone are
    required): called without them it resolves to the order's fulfillments, unchanged."""
    url, key = sdk_server
    identifiers = {"orderId": ORDER_10012, "fulfillmentId": "47451ae1-7325-4ef6-a0d8-fb91ffa88e2e"}
    before = Fulfillment.objects.get(pk=identifiers["fulfillmentId"]).tracking_number
    ran = run_sdk(url, key, [{"method": "updateFulfillment", "args": [identifiers]}])
    assert "error" not in ran["output"][0], ran["output"][0]
    assert ran["output"][0]["result"] == SINGLE_ORDER_EXAMPLE["orderWithFulfillments"]
    assert Fulfillment.objects.get(pk=identifiers["fulfillmentId"]).tracking_number == before
