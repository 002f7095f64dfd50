"""Supervisor alerts: the notifier interface, webhook payloads and an outbox on disk."""
