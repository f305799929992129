"""Talking to payment providers: the gateway's Payment Links and webhooks, UPI links and QR codes.

The rules (what counts as paid, expiry, refunds) live in ``catalog.payments``; this package only
turns providers' HTTP and formats into calls of it.
"""
