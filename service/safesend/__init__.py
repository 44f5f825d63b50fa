"""SafeSend: send-time safety checks for school email."""

__version__ = "0.1.0"
