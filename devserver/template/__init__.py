"""Reading ``template.yaml``: the system's shape, from which the devserver runs everything.

``load_template`` and ``TEMPLATE_PATH`` (the project's template), parameters, conditions
and intrinsic functions are here for every tool that reads the template; the function
model (functions, APIs, event source mappings) is in ``application``.
"""

from .intrinsics import Intrinsics, evaluate_conditions
from .loading import ROOT, TEMPLATE_PATH, TemplateError, load_template
from .parameters import cfn_string, parameter_defaults, parameter_values, pseudo_parameters

__all__ = [
    "ROOT",
    "TEMPLATE_PATH",
    "Intrinsics",
    "TemplateError",
    "cfn_string",
    "evaluate_conditions",
    "load_template",
    "parameter_defaults",
    "parameter_values",
    "pseudo_parameters",
]
