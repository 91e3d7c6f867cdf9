"""What the shop stores: customers (with their plan), their orders, their support tickets."""

from django.db import models


class Customer(models.Model):
    email = models.EmailField()  # personal data: never exported
    joined_at = models.DateTimeField()
    plan = models.CharField(max_length=20)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    placed_at = models.DateTimeField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=20)


class Ticket(models.Model):
    opened_at = models.DateTimeField()
    channel = models.CharField(max_length=20)
    subject = models.CharField(max_length=200)  # free text: never exported
