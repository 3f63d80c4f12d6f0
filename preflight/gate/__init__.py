"""The policy gate: the analysis the engine runs against a pack (analysis), the policy config merged as the engine
merges it (policy_config), the pack's answers read back as violations and exemptions (violations, through the
string contract in pack_contract), the reports (report: table, JSON, SARIF), one run (run) and its command (command).
"""
