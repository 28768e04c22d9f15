"""/api/openapi.json documents every operation's statuses, error body, success body and ids."""

from __future__ import annotations

import pytest

ERROR_REF = "#/components/schemas/ErrorOut"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(owner_client) -> dict:
    response = owner_client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def ref(response: dict) -> str:
    return response["content"]["application/json"]["schema"]["$ref"]


def test_every_operation_of_both_apis_is_documented(document):
    paths = {(method, path) for path, method, _ in operations(document)}
    assert len(paths) == 14
    assert ("post", "/api/ecom/v1/fulfillments/orders/bulk/create-fulfillments") in paths
    assert ("post", "/api/stores/v2/orders/query") in paths


def test_every_operation_documents_its_errors_with_the_error_schema(document):
    for path, method, operation in operations(document):
        responses = operation["responses"]
        for status in ("400", "401", "403", "429", "500", "503"):
            assert ref(responses[status]) == ERROR_REF, (method, path, status)
        if "{" in path:
            assert ref(responses["404"]) == ERROR_REF, (method, path)
        if "requestBody" in operation:
            assert ref(responses["413"]) == ERROR_REF, (method, path)
        errors = {status for status in responses if status != "200"}
        assert all(ref(responses[status]) == ERROR_REF for status in errors)


@pytest.mark.parametrize(
    ("method", "path", "schema"),
    [
        ("post", "/api/stores/v2/orders/query", "OrdersQueryOut"),
        ("get", "/api/stores/v2/orders/{order_id}", "OrderResponse"),
        ("post", "/api/stores/v2/orders/{id}/fulfillments", "StoresCreateOut"),
        ("post", "/api/ecom/v1/fulfillments/orders/{orderId}/create-fulfillment", "EcomCreateOut"),
        ("post", "/api/ecom/v1/fulfillments/orders/bulk/create-fulfillments", "BulkCreateOut"),
        ("delete", "/api/ecom/v1/fulfillments/{fulfillmentId}/orders/{orderId}", "EcomOrderOut"),
    ],
)
def test_success_bodies_have_their_schema(document, method, path, schema):
    ok = document["paths"][path][method]["responses"]["200"]
    assert ref(ok) == f"#/components/schemas/{schema}"


def test_conflicts_and_reused_keys_are_documented_where_they_happen(document):
    create = document["paths"]["/api/ecom/v1/fulfillments/orders/{orderId}/create-fulfillment"]
    assert {"409", "422"} <= set(create["post"]["responses"])
    query = document["paths"]["/api/stores/v2/orders/query"]["post"]["responses"]
    assert "409" not in query and "404" not in query


def test_ids_are_uuids_in_paths_and_bodies(document):
    for path, method, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["schema"]["format"] == "uuid", (method, path, parameter)
    schemas = document["components"]["schemas"]
    fulfillment = schemas["EcomFulfillmentOut"]["properties"]
    assert fulfillment["id"]["format"] == "uuid"
    assert fulfillment["createdDate"]["format"] == "date-time"
    assert schemas["OrderOut"]["properties"]["id"]["format"] == "uuid"
    assert schemas["ListByIdsIn"]["properties"]["orderIds"]["items"]["format"] == "uuid"


def test_the_schema_states_what_the_server_refuses(document):
    schemas = document["components"]["schemas"]
    paging = schemas["PagingIn"]["properties"]
    assert (paging["limit"]["minimum"], paging["limit"]["maximum"]) == (1, 100)
    assert paging["offset"]["minimum"] == 0
    assert schemas["OrderCreateData"]["properties"]["lineItems"]["minItems"] == 1
    assert schemas["BulkCreateIn"]["properties"]["ordersWithFulfillments"]["maxItems"] == 100
    quantity = schemas["IndexLineIn"]["properties"]["quantity"]["anyOf"][0]
    assert (quantity["minimum"], quantity["maximum"]) == (1, 100_000)
    name = schemas["FullNameIn"]["properties"]["firstName"]["anyOf"][0]
    assert name["maxLength"] == 200 and name["pattern"] == "^[^\\u0000]*$"


def test_retry_after_and_idempotency_key_are_documented(document):
    create = document["paths"]["/api/stores/v2/orders"]["post"]
    for status in ("429", "503"):
        assert "Retry-After" in create["responses"][status]["headers"]
    headers = [p["name"] for p in create["parameters"] if p["in"] == "header"]
    assert headers == ["Idempotency-Key"]
    query = document["paths"]["/api/stores/v2/orders/query"]["post"]
    assert not [p for p in query.get("parameters", []) if p["in"] == "header"]
