"""Test support shared by every test package (fixtures live in tests/conftest.py)."""
