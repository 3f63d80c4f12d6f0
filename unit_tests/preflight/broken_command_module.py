"""A command module whose own import fails: the CLI must surface that, not treat the command as absent."""

import no_such_dependency  # noqa: F401
