"""The pipeline-events API: receives signed CI/CD pipeline events and keeps an audit trail of them in S3.

Importing this package is cheap and side-effect free: no AWS SDK, no environment needed. The modules that need boto3,
pydantic or the X-Ray tracer import them where they are first used.
"""

__version__ = "0.1.0"
