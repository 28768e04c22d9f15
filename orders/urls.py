from django.urls import path

from orders import owner_views, views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("<int:number>/", views.order_detail, name="detail"),
    path("<int:number>/email/", views.order_email_edit, name="email_edit"),
    path(
        "<int:number>/shipping-address/",
        views.order_shipping_address_edit,
        name="shipping_address_edit",
    ),
    # Owner actions: mark paid, cancel, refund.
    path("<int:number>/payments/", owner_views.payments, name="payments"),
    path("<int:number>/mark-paid/", owner_views.mark_paid, name="mark_paid"),
    path("<int:number>/cancel/", owner_views.cancel, name="cancel"),
    path("<int:number>/refund/", owner_views.refund, name="refund"),
]
