"""Sessions: their tables, all their SQL (store.py), the group-commit writer and the REST routes."""
