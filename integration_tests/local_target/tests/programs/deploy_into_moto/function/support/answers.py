"""A module beside the handler, so the packaged zip must hold a package too."""


def answer(event: dict) -> dict:
    return {"statusCode": 200, "body": "{}"}
