from django.urls import path

from fulfillments import pack_views, print_views

app_name = "pack"

urlpatterns = [
    path("", pack_views.station, name="station"),
    path("undo/", pack_views.pack_undo, name="undo"),
    path("slips/", print_views.slips, name="slips"),
    path("pick-list/", print_views.picking, name="pick_list"),
    path("<int:number>/", pack_views.pack_order, name="order"),
    path("<int:number>/ship/", pack_views.pack_ship, name="ship"),
    path("<int:number>/pickup-ready/", pack_views.pack_pickup_ready, name="pickup_ready"),
    path("<int:number>/picked-up/", pack_views.pack_picked_up, name="picked_up"),
]
