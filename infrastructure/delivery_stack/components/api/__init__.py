"""API: the region's REST API in front of the function, its stage, usage plan, WAF and alarms.

Every route, the CORS preflight (`OPTIONS`) included, is an AWS_PROXY integration with the function: the function's
REST resolver answers preflight with the CORS headers of the configured origins, so browsers see one CORS policy
whatever route they call. API Gateway's own error responses (a missing API key, throttling) get the same header
through gateway responses when a single origin is configured.

The API does not manage `apigateway.Account` (the CloudWatch role is one setting per account and region, and a second
stack would fight over it): an account administrator sets it once, see docs/infrastructure-network-api-cicd.md.

Modules: component.py (the Api component and its args), routes.py, stage.py (stage and usage plan), waf.py,
alarms.py (alarms and dashboard widgets). The component keeps every child parented to itself.
"""

from delivery_stack.components.api.component import Api, ApiArgs
from delivery_stack.components.api.routes import API_FUNCTION

__all__ = ["API_FUNCTION", "Api", "ApiArgs"]
