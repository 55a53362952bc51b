"""API Gateway (REST, v1) in front of the functions: proxy events exactly as it builds them.

``routing`` finds the resource, ``events`` builds the proxy event, ``proxy`` invokes and
``responses`` turns the result into HTTP; ``server`` is the HTTP server.
"""

from .proxy import Gateway
from .responses import GatewayResponse
from .routing import Match, Router
from .server import GatewayServer

__all__ = ["Gateway", "GatewayResponse", "GatewayServer", "Match", "Router"]
