"""The world the program runs against: SDK mocks that answer resource registrations and invokes the way AWS would,
in the resource's region and the mock account (mocks), with AWS-shaped ids and ARNs (arns, resource_answers).
"""
