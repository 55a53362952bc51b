"""Another function with an app.py: its own module, environment and layer copy."""

import os

from sample_shared import count

FLAVOUR = os.environ["FLAVOUR"]


def lambda_handler(event, context):
    return {
        "flavour": FLAVOUR,
        "counter": count(),
        "module": __name__,
        "environ": dict(os.environ),
        "functionName": context.function_name,
    }
