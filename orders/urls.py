from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    # The order page and its forms (fulfillments issue) go below this line.
    path("<int:number>/", views.order_detail, name="detail"),
]
