"""Birmingham sanctuary promise tracker."""

from .web import create_app

__all__ = ["create_app"]
