"""Aggregators: fold events into view items through pure projections."""
