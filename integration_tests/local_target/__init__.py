"""The integration suite's local AWS target: the program deployed into a moto server on loopback, its REST APIs
served by a stand-in for API Gateway's execute-api endpoint, its functions run in-process.

- moto_server: the moto server (in this process, 127.0.0.1, a free port) and its IAM enforcement.
- deploy, moto_mocks, creators and one module per service (kms, s3, messaging, iam, secrets, lambda_functions,
  logs, apigateway): the program run through preflight with mocks that create the request path in moto.
- rest_api, routing, sandbox: the API Gateway stand-in and the function's execution environment.
"""
