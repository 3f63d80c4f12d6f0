"""The function the deploy tests package: its code is stored in moto, never run by it."""

from support.answers import answer


def handler(event: dict, context: object) -> dict:
    return answer(event)
