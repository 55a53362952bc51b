"""The Video Tutorials domain: contracts, components, aggregators, views and applications."""
