"""What is kept about one shopper (SPEC PV-3): erasure and export, for staff and the shop."""
