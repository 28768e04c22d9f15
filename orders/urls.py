from django.urls import path

from orders import views
from orders.payments import views as payment_views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("export.csv", views.order_export, name="export"),
    path("views/", views.saved_view_create, name="saved_view_create"),
    path("views/<int:pk>/delete/", views.saved_view_remove, name="saved_view_delete"),
    path("<int:number>/", views.order_detail, name="detail"),
    path("<int:number>/email/", views.order_email_edit, name="email_edit"),
    path(
        "<int:number>/shipping-address/",
        views.order_shipping_address_edit,
        name="shipping_address_edit",
    ),
    path("<int:number>/archive/", views.order_archive, name="archive"),
    # Payments: mark paid, cancel, refund.
    path("<int:number>/payments/", payment_views.payments, name="payments"),
    path("<int:number>/mark-paid/", payment_views.mark_paid, name="mark_paid"),
    path("<int:number>/cancel/", payment_views.cancel, name="cancel"),
    path("<int:number>/refund/", payment_views.refund, name="refund"),
]
