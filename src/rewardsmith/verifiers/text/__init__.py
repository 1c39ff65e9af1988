"""Text comparison rewards."""
