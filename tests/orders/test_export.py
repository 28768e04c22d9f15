"""CSV export of the list's current view: every matching order, per order or per line,
streamed from a server-side cursor."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import pytest
from django.db import connection

from orders.export import ExportIncomplete
from orders.models import LineItem, PaymentStatus
from tests.config.locking import held, other_connection
from tests.conftest import client_for, make_user
from tests.factories import make_order

EXPORT = "/orders/export.csv"


def read_csv(response) -> list[list[str]]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_export_every_matching_order_not_just_the_page(owner_client, order_factory, monkeypatch):
    monkeypatch.setattr("orders.filters.PAGE_SIZE", 2)
    paid = [
        order_factory(
            lines=[{"name": "Shoe", "quantity": 2}, {"name": "Watch"}],
            payment_status=PaymentStatus.PAID,
        )
        for _ in range(5)
    ]
    order_factory(lines=1, payment_status=PaymentStatus.NOT_PAID)
    query = urlencode({"f": "paymentStatus", "op": "eq", "v": "PAID", "page": "2"})
    response = owner_client.get(f"{EXPORT}?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    rows = read_csv(response)
    assert rows[0][:3] == ["number", "date_created", "buyer_name"]
    assert [int(row[0]) for row in rows[1:]] == sorted((o.number for o in paid), reverse=True)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["items"] == "2 \N{MULTIPLICATION SIGN} Shoe; 1 \N{MULTIPLICATION SIGN} Watch"
    assert first["payment_status"] == "PAID" and first["buyer_name"] == "Ada Lovelace"


def test_export_one_row_per_line_in_the_list_sort(owner_client, order_factory):
    first = order_factory(lines=[{"name": "Shoe", "sku": "S-1"}, {"name": "Watch"}])
    second = order_factory(lines=[{"name": "Mug"}])
    rows = read_csv(owner_client.get(f"{EXPORT}?rows=line&sort=number"))
    assert rows[0][6:9] == ["line", "item", "sku"]
    assert [(int(r[0]), r[6], r[7], r[8]) for r in rows[1:]] == [
        (first.number, "1", "Shoe", "S-1"),
        (first.number, "2", "Watch", ""),
        (second.number, "1", "Mug", ""),
    ]


def test_export_streams_through_a_server_side_cursor(owner_client, order_factory, monkeypatch):
    monkeypatch.setattr("orders.export.CHUNK", 2)
    for _ in range(5):
        order_factory(lines=1)
    response = owner_client.get(EXPORT)
    stream = iter(response.streaming_content)
    header, first_row = next(stream), next(stream)
    assert header.startswith(b"number,") and first_row
    # Mid-stream, the rows come from a named cursor held open in PostgreSQL (2 at a time),
    # not from a list in memory.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
        assert cursor.fetchone()[0] == 1
    rest = list(stream)
    assert len(rest) == 4
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone()[0] == 0


def test_export_with_a_bad_filter_goes_back_to_the_list(owner_client, order_factory):
    response = owner_client.get(f"{EXPORT}?f=number&op=gt&v=abc&rows=line")
    assert response.status_code == 302
    assert response["Location"].startswith("/orders/?f=number")
    assert "rows=" not in response["Location"]


def test_export_needs_view_permission(client, nobody, viewer_client, order_factory):
    order_factory(lines=1)
    assert client.get(EXPORT).status_code == 302
    client.force_login(nobody)
    assert client.get(EXPORT).status_code == 403
    assert viewer_client.get(EXPORT).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_an_export_whose_line_items_are_locked_is_a_503_before_the_download():
    """The check before the download runs the export's own query: a lock on the line items
    (the items column reads them) used to pass the check and break the download after its
    header; now the download never starts."""
    client = client_for(make_user("owner"))
    client.raise_request_exception = False
    make_order(lines=2)
    with held(f'LOCK TABLE "{LineItem._meta.db_table}" IN ACCESS EXCLUSIVE MODE'):
        for rows in ("order", "line"):
            response = client.get(f"{EXPORT}?rows={rows}")
            assert response.status_code == 503
            assert not response.streaming
            assert "took longer than" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_export_cut_off_mid_download_says_so_in_the_file_and_fails(monkeypatch):
    """The database ends the export's connection after the first rows went out (a restart,
    a killed backend): the file's last row says it is incomplete and how many rows it has,
    and the stream raises, so the server aborts the response and the browser marks the
    download failed."""
    monkeypatch.setattr("orders.export.CHUNK", 2)
    client = client_for(make_user("owner"))
    for _ in range(5):
        make_order(lines=1)
    response = client.get(EXPORT)
    stream = iter(response.streaming_content)
    received = [next(stream), next(stream), next(stream)]  # the header and the first chunk
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with other_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    with pytest.raises(ExportIncomplete) as stopped:
        for chunk in stream:
            received.append(chunk)
    connection.close()  # the killed connection: the next query opens a new one
    rows = list(csv.reader(io.StringIO(b"".join(received).decode())))
    assert len(rows) == 4 and stopped.value.rows == 2
    assert rows[-1][0].startswith("EXPORT INCOMPLETE: the database stopped answering after 2 rows")
