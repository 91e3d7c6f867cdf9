"""URLs of the demo project: the support desk's JSON API, nothing else."""

from django.urls import path

from analytics_assets.demo import api

urlpatterns = [
    path("api/tickets/", api.ticket_list, name="ticket-list"),
    path("api/tickets/cursor/", api.ticket_cursor_list, name="ticket-cursor-list"),
    path("api/faults/", api.fault_queue, name="fault-queue"),
]
