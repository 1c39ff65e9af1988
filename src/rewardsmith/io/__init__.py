"""Reading records from data files and writing scored records atomically."""

from .readers import InputRecord, parse_mapping, read_records
from .writer import AtomicJsonlWriter

__all__ = ["AtomicJsonlWriter", "InputRecord", "parse_mapping", "read_records"]
