"""The bot reads its configuration through the product's one ``Settings`` (``alvh_core.settings``)."""
from alvh_core.settings import Settings

__all__ = ["Settings"]
