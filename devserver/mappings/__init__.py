"""Lambda's event source mappings: pollers that read a source and invoke a function.

What every mapping shares — ``filters``, ``invocation`` (batches, partial failures,
chaos), ``destinations`` (on-failure records), ``checkpoints``, the ``poller`` thread —
and one module per source: ``dynamodb`` (with ``stream_reader``). ``service`` runs them
all for an application.
"""

from .service import EventSourceMappings, compile_filters

__all__ = ["EventSourceMappings", "compile_filters"]
