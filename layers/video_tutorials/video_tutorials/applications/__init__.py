"""The applications: the site's pages and the messages they write.

One module per application (``home``, ``register_users``, ``authenticate``), each with a
``create_app(site, ...)`` that returns its ``WebApp`` with its routes; ``site`` holds what
they share (pages, sessions, configuration), ``passwords`` the password hashing.
"""

import webglue  # noqa: F401 (first: it makes Powertools' packages lazy before ours import them)
