"""Which slice of a listing to read: the kernel's `Paging`."""

from shared.paging import Paging

__all__ = ["Paging"]
