"""Directory look-ups: is an address a list, how many people does it reach,
and how many of them are outside the district.

The send path calls `Directory.resolve`, which answers from the cache at once
and gives cold look-ups a short time budget. Backends: Microsoft Graph
(`graph`), Exchange Web Services (`ews`), Google Workspace (`google`) and a
file of list sizes (`static`); each is imported only when configured.
"""

from .base import DirectoryBackend, DirectoryConfigError, GroupInfo
from .cache import MemoryCache, RedisCache
from .config import build_directory
from .directory import NOT_IN_TIME, BackendStatus, Directory

__all__ = [
    "GroupInfo", "DirectoryBackend", "DirectoryConfigError", "Directory", "BackendStatus",
    "build_directory", "MemoryCache", "RedisCache", "NOT_IN_TIME",
]
