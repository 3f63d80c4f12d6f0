"""The stack's components: one concern per module, each a ComponentResource with its own type token."""
