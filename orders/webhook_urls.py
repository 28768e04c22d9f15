from django.urls import path

from orders import webhook_views

app_name = "webhooks"

urlpatterns = [
    path("", webhook_views.endpoint_list, name="list"),
    path("new/", webhook_views.endpoint_create, name="create"),
    path("<int:pk>/", webhook_views.endpoint_detail, name="detail"),
    path("<int:pk>/edit/", webhook_views.endpoint_edit, name="edit"),
    path("<int:pk>/delete/", webhook_views.endpoint_delete, name="delete"),
    path("deliveries/<int:pk>/resend/", webhook_views.delivery_resend_view, name="resend"),
]
