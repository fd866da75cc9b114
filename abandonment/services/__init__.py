"""Abandonment: capture and retention, reminders, reports."""
