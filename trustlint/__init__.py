"""trustlint: static analysis of AWS IAM role trust and sts:AssumeRole grants."""

__version__ = "0.1.0"
