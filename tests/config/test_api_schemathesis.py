"""The OpenAPI document agrees with the live API: schemathesis runs every operation of
/api/openapi.json against the live test server with every check.

Bounded and deterministic: at most MAX_EXAMPLES generated requests per operation and phase,
derandomized (the same requests every run), so the test takes well under a minute.
"""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from fulfillments.models import Fulfillment
from orders.models import ApiKey, LineItem, Order

MAX_EXAMPLES = 20

# positive_data_acceptance expects every request the schema allows to succeed. These operations
# also apply rules that no JSON Schema can state, so a schema-valid request may rightly be a 400
# naming the field (every other check still runs on them):
DOMAIN_RULES = {
    # The query language (DESIGN.md section 3): which operators each field takes and the value
    # type each needs, a filter or sort sent as a JSON string, and the depth and size caps.
    "POST /api/stores/v2/orders/query",
    # Rules across fields: a billing address unless the channel is POS, a variant needs its
    # options, a productId makes the line PHYSICAL, price x quantity and totals below 10^12.
    "POST /api/stores/v2/orders",
    # The fulfillment's line items may not change: only those it has are accepted.
    "PATCH /api/ecom/v1/fulfillments/{fulfillmentId}/orders/{orderId}",
    # The line items named must exist on the order, with that much left to fulfil (the
    # database's state, unknown to the schema); an update may not change them at all.
    "POST /api/stores/v2/orders/{id}/fulfillments",
    "PUT /api/stores/v2/orders/{id}/fulfillments/{fulfillmentId}",
    "POST /api/ecom/v1/fulfillments/orders/{orderId}/create-fulfillment",
}

# The coverage phase walks every boundary of every field: ~1,300 requests for the create-order
# body (~80 fields), over a minute on a busy machine. Its validation has tests of its own
# (tests/conformance/test_api_input_validation.py, tests/orders/test_order_api_writes.py), and
# the examples and fuzzing phases (valid and invalid bodies) still run on it here.
# Valid data may also meet a 422: an Idempotency-Key that an earlier generated request already
# used with another body (the state of earlier requests, which no schema can state).
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429", "5xx"]
            }
        },
        "operations": [
            {
                "include-name": "POST /api/stores/v2/orders",
                "phases": {"coverage": {"enabled": False}},
            }
        ],
    }
)


@pytest.fixture
def api_key(owner, spec_orders, settings) -> str:
    """An owner's key (every permission) over the spec's orders, so requests reach the
    services and not only the 404 of an unknown order."""
    # ignored_auth sends wrong keys on purpose (the lockout has its own tests, test_throttle.py).
    settings.PACKDESK_API_KEY_FAILURE_LIMIT = 1_000_000
    _, raw_key = ApiKey.generate(user=owner, name="schemathesis")
    return raw_key


@pytest.fixture
def api_schema(live_server, owner, settings):
    """/api/openapi.json as the live server serves it to logged-in staff."""
    staff = Client()
    staff.force_login(owner)
    session = staff.cookies[settings.SESSION_COOKIE_NAME].value
    return schemathesis.openapi.from_url(
        f"{live_server.url}/api/openapi.json",
        config=CONFIG,
        cookies={settings.SESSION_COOKIE_NAME: session},
        timeout=30,
    )


@pytest.fixture(autouse=True)
def _node_id(request):
    """schemathesis 4.32 names each operation's subtest through the node's `_nodeid`, which
    pytest 9.2 no longer sets; give it the node id to start from."""
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_document(case, api_key):
    aim_at_existing_rows(case)
    excluded = [positive_data_acceptance] if case.operation.label in DOMAIN_RULES else []
    case.call_and_validate(headers={"Authorization": api_key}, excluded_checks=excluded, timeout=30)


ORDER_PARAMETERS = ("id", "orderId", "order_id")


def aim_at_existing_rows(case) -> None:
    """Most generated order and fulfillment ids become ones that exist, so that requests reach
    the services and the success bodies are checked too; one slot in each choice keeps the
    generated id (an unknown one: 404). Ids a body repeats follow the path's. Only well-formed
    ids are replaced, so a deliberately malformed one still tests the 400."""
    params = case.path_parameters or {}
    order_ids = sorted(str(pk) for pk in Order.objects.values_list("pk", flat=True))
    order_id = None
    for name in ORDER_PARAMETERS:
        if name in params and (number := uuid_number(params[name])) is not None:
            choice = number % (len(order_ids) + 1)
            if choice < len(order_ids):
                params[name] = order_ids[choice]
            order_id = params[name]
    # A body that repeats the order's id (as Wix's SDK does) must repeat the path's.
    body = case.body if isinstance(case.body, dict) else {}
    if order_id is not None and uuid_number(body.get("orderId")) is not None:
        body["orderId"] = order_id
    if "fulfillmentId" in params and (number := uuid_number(params["fulfillmentId"])) is not None:
        fulfillment_ids = sorted(
            str(pk)
            for pk in Fulfillment.objects.filter(order_id=order_id).values_list("pk", flat=True)
        )
        choice = number % (len(fulfillment_ids) + 1)
        if choice < len(fulfillment_ids):
            params["fulfillmentId"] = fulfillment_ids[choice]
        fulfillment = body.get("fulfillment")
        for key in ("id", "_id"):
            if isinstance(fulfillment, dict) and uuid_number(fulfillment.get(key)) is not None:
                fulfillment[key] = params["fulfillmentId"]
    # Line items named by id (eCommerce): mostly ones the order has.
    if order_id is not None and isinstance(body.get("fulfillment"), dict):
        aim_line_ids(body["fulfillment"].get("lineItems"), order_id)
    for entry in body.get("ordersWithFulfillments") or []:
        if isinstance(entry, dict) and (number := uuid_number(entry.get("orderId"))) is not None:
            entry["orderId"] = pick(order_ids, number) or entry["orderId"]
            for fulfillment in entry.get("fulfillments") or []:
                if isinstance(fulfillment, dict):
                    aim_line_ids(fulfillment.get("lineItems"), entry["orderId"])


def aim_line_ids(lines, order_id: str) -> None:
    line_ids = sorted(
        str(line_id)
        for line_id in LineItem.objects.filter(order_id=order_id).values_list("line_id", flat=True)
    )
    for line in lines if isinstance(lines, list) else []:
        for key in ("id", "_id"):
            if isinstance(line, dict) and (number := uuid_number(line.get(key))) is not None:
                line[key] = pick(line_ids, number) or line[key]


def pick(ids: list[str], number: int) -> str | None:
    """One of `ids` chosen by `number`, or None (one slot in len + 1: keep the generated one)."""
    choice = number % (len(ids) + 1)
    return ids[choice] if choice < len(ids) else None


def uuid_number(value) -> int | None:
    try:
        return uuid.UUID(str(value)).int
    except ValueError:
        return None
