"""The Pulumi program. Everything lives in delivery_stack; this file only runs it (the CLI runs this directory)."""

from delivery_stack.stack import build_stack

build_stack()
