"""Running the template's functions in this process, each as if in its own sandbox.

``Runtime`` invokes (``invoker``); each function's world is its ``sandbox``; what a handler
gets is a ``context``; what it gives back is a ``results`` object; its variables are made
by ``environment``; its output goes through ``output``; its timeout is the ``watchdog``'s;
while it sleeps, other invocations run (``yielding``); the AWS requests its clients make can
be watched (``aws_requests``).
"""

from .aws_requests import RequestObserver
from .context import LambdaContext
from .environment import lambda_environment, resolve_dynamic_references
from .invoker import Runtime
from .results import FunctionError, InvocationResult
from .sandbox import host_environment
from .watchdog import FunctionTimeout

__all__ = [
    "FunctionError",
    "FunctionTimeout",
    "InvocationResult",
    "LambdaContext",
    "RequestObserver",
    "Runtime",
    "host_environment",
    "lambda_environment",
    "resolve_dynamic_references",
]
