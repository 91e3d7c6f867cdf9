"""The demo shop app: customers (prospects, then clients), their contracts and the emails sent."""
