"""The demo's extractors (user, contract, email, support_ticket): the demo environment's assets."""
