"""The ceiling: a minimal Django + DRF project serving a fixed JSON list of 20 products, no database."""
