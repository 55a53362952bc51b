"""The devserver: runs ``template.yaml``'s functions on this machine, without Docker.

Programmatic use (tests start it on free ports, with a state directory of their own)::

    import devserver

    server = devserver.start("template.yaml", state_dir=tmp_path, api_port=0, poll_interval=0.05)
    try:
        requests.post(f"{server.api_url}/register", data={...})
        server.wait_idle()                      # every consumer caught up
        [mail] = server.sent_mail(to="ada@example.com")
    finally:
        server.stop()

Or only the functions, in this process, on resources that exist elsewhere (tests on an
in-process moto, benchmarks; see ``devserver.in_process``)::

    with devserver.load_functions(naming=lambda logical_id: f"test-{logical_id}") as functions:
        functions.invoke("HomeFunction", event)

The command line (``python -m devserver``, ``make run``) is in ``devserver.cli``.
Heavy modules load on first use: ``import devserver.template`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .chaos import ChaosSettings
    from .errors import DevServerError, InvocationError
    from .in_process import Functions, load_functions
    from .options import Options
    from .outbox import Mail, sent_mail
    from .server import DevServer, start

__all__ = [
    "ChaosSettings",
    "DevServer",
    "DevServerError",
    "Functions",
    "InvocationError",
    "Mail",
    "Options",
    "load_functions",
    "sent_mail",
    "start",
]

_LAZY = {
    "ChaosSettings": "chaos",
    "DevServer": "server",
    "DevServerError": "errors",
    "InvocationError": "errors",
    "Functions": "in_process",
    "load_functions": "in_process",
    "Options": "options",
    "start": "server",
    "Mail": "outbox",
    "sent_mail": "outbox",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'devserver' has no attribute {name!r}")
