"""Models of the demo shop; personal data lives only in email, full_name, to_address, subject
and requester_email.
"""

from __future__ import annotations

from django.db import models


class Customer(models.Model):
    """A person who joined the shop: a prospect until ``client_since``, a client from then on."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    date_joined = models.DateTimeField(db_index=True)
    client_since = models.DateTimeField(null=True, blank=True)

    objects = models.Manager()

    def __str__(self) -> str:
        return str(self.email)


class Contract(models.Model):
    """A contract a client signed."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contracts")
    signed_at = models.DateTimeField(db_index=True)
    value = models.DecimalField(max_digits=12, decimal_places=2)

    objects = models.Manager()

    def __str__(self) -> str:
        return f"contract {self.pk} ({self.value})"


class EmailKind(models.TextChoices):
    WELCOME = "welcome", "Welcome"
    NEWSLETTER = "newsletter", "Newsletter"
    INVOICE = "invoice", "Invoice"
    REMINDER = "reminder", "Reminder"


class EmailMessage(models.Model):
    """An email the shop sent to a customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails")
    to_address = models.EmailField()
    subject = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=EmailKind.choices)
    sent_at = models.DateTimeField(db_index=True)
    opened = models.BooleanField()
    bounced = models.BooleanField()

    objects = models.Manager()

    def __str__(self) -> str:
        return f"{self.kind} email {self.pk}"


class TicketChannel(models.TextChoices):
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    PHONE = "phone", "Phone"


class TicketPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class TicketStatus(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending (answered, not solved)"
    SOLVED = "solved", "Solved"


class SupportTicket(models.Model):
    """A request to the support desk, served by the demo JSON API (``/api/tickets/``).

    ``requester_email`` and ``subject`` are personal data: the API returns them, the
    support-ticket extractor does not declare them, so they never reach BigQuery.
    """

    requester_email = models.EmailField()
    subject = models.CharField(max_length=200)
    channel = models.CharField(max_length=10, choices=TicketChannel.choices)
    priority = models.CharField(max_length=10, choices=TicketPriority.choices)
    status = models.CharField(max_length=10, choices=TicketStatus.choices)
    opened_at = models.DateTimeField(db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    refund = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    objects = models.Manager()

    def __str__(self) -> str:
        return f"ticket {self.pk} ({self.status})"
