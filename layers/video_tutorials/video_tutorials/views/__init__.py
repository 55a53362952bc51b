"""View repositories: the read-optimised tables aggregators write and applications read.

boto3 lives here (and in the message store) only.
"""
