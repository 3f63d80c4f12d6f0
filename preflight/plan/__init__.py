"""The Terraform-plan export for Checkov: Terraform types of pulumi-aws tokens (tf_types), attribute shapes and
values (attributes), the plan document with its references (export), the `plan` command (command), and the verdict
over Checkov's results against the reviewed skip file (checkov_report, `python -m preflight.plan.checkov_report`).
"""
