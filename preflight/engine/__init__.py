"""The engine's side of a deployment and of CrossGuard.

Launch a pack (pack_process, pack_runtime), serve the Engine service it calls back (engine_service), call its
Analyzer service (analyzer_client), and present a captured run as the engine would send it (wire). Analyzer calls in
the order the CLI makes them: Handshake, ConfigureStack, GetAnalyzerInfo, Configure, then Remediate and Analyze per
resource, then AnalyzeStack (preflight.gate.analysis). The engine path serves the ResourceMonitor a program talks to
(resource_monitor, deployment) with URNs, goals and default providers as the engine computes them (urns,
resource_goal, default_providers) and analyses each registration as it arrives (analyzer_messages).
"""
