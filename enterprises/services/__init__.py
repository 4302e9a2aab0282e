"""Business rules of the enterprise registry, liaison service and visits (plain functions, never `request`)."""
