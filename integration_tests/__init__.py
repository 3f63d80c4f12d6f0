"""The live integration suite: the same tests against a deployed AWS stack or the local moto target."""
