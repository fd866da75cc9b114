"""Analytics out: outbox events sent to Google Analytics 4 (Measurement Protocol)."""
