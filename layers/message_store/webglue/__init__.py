"""The web glue of the applications: generic, knows nothing about videos.

``WebApp`` (Powertools' REST resolver with a trace id per request, the base path, the
session, the Origin and body-size screening and one HTTP error mapping), signed session
cookies, read-your-writes (``written``: a POST's write travels to the next page, which waits
for its view), safe ``next`` paths, form reading and HTML responses.

Importing it makes Powertools' resolver and event-class packages lazy first
(``lazy_packages``): a function imports the resolver and the event it uses, not all of them.
"""

from .lazy_packages import load_powertools_lazily

load_powertools_lazily()

# ruff: noqa: E402 (the packages are made lazy before the modules below import from them)

from .app import ErrorPage, ErrorRenderer, WebApp, WebConfig, describe_validation_error
from .forms import FORM_CONTENT_TYPE, FormBodyError, field_errors, parse_form
from .origins import normalise_origin, origin_allowed, own_origins
from .redirects import location_header, safe_next_path
from .request import WebRequest, base_path_of, parse_cookies, single_value_headers
from .responses import (
    DEFAULT_CONTENT_SECURITY_POLICY,
    content_security_policy,
    html_response,
    see_other,
    site_cookie,
)
from .sessions import (
    Session,
    SessionCookies,
    SessionSecret,
    SessionSecretUnavailableError,
    SessionSigner,
)
from .tokens import TokenSigner
from .written import Written, WrittenCookies, wait_until

__all__ = [
    "DEFAULT_CONTENT_SECURITY_POLICY",
    "FORM_CONTENT_TYPE",
    "ErrorPage",
    "ErrorRenderer",
    "FormBodyError",
    "Session",
    "SessionCookies",
    "SessionSecret",
    "SessionSecretUnavailableError",
    "SessionSigner",
    "TokenSigner",
    "WebApp",
    "WebConfig",
    "WebRequest",
    "Written",
    "WrittenCookies",
    "base_path_of",
    "content_security_policy",
    "describe_validation_error",
    "field_errors",
    "html_response",
    "location_header",
    "normalise_origin",
    "origin_allowed",
    "own_origins",
    "parse_cookies",
    "parse_form",
    "safe_next_path",
    "see_other",
    "single_value_headers",
    "site_cookie",
    "wait_until",
]
