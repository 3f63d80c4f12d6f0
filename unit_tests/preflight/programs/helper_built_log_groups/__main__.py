"""Two log groups from one helper: the compliant one and one whose caller passes a 30-day retention."""

import helper_built_stack

helper_built_stack.build()
