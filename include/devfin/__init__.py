"""devfin: development-finance data sheets into a trusted warehouse."""

__version__ = "0.1.0"
