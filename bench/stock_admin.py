"""The stock Django admin for Order (a plain ModelAdmin, default settings) at /stock-admin/,
mounted only by the load test's settings (bench/loadtest_settings.py) as a baseline."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from config.urls import urlpatterns as packdesk_urlpatterns
from orders.models import Order

site = admin.AdminSite(name="stock_admin")
site.register(Order, admin.ModelAdmin)

urlpatterns = [path("stock-admin/", site.urls), *packdesk_urlpatterns]
