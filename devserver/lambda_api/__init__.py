"""The Lambda API, locally: ``Invoke`` (like ``sam local start-lambda``) and event source
mapping control, for boto3's ``lambda`` client with ``endpoint_url``."""

from .server import LambdaApi, LambdaApiServer

__all__ = ["LambdaApi", "LambdaApiServer"]
