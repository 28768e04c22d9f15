from django.urls import path

from fulfillments import views

app_name = "fulfillments"

urlpatterns = [
    path("bulk/", views.bulk_fulfil, name="bulk"),
    path("<int:number>/lines/<int:index>/", views.line_fulfil, name="line_fulfil"),
    path("<int:number>/lines/", views.lines_fulfil, name="lines_fulfil"),
    path("<int:number>/ship-all/", views.ship_all, name="ship_all"),
    path("<int:number>/pickup-ready/", views.pickup_ready, name="pickup_ready"),
    path("<int:number>/picked-up/", views.picked_up, name="picked_up"),
    path("<int:number>/<uuid:fulfillment_id>/edit/", views.tracking_edit, name="edit"),
    path("<int:number>/<uuid:fulfillment_id>/delete/", views.fulfillment_remove, name="delete"),
]
