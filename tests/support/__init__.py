"""Test support: factories, the moto fixtures' helpers."""
