"""The engine's side of CrossGuard: launch a pack (pack_process), serve the Engine service it calls back
(engine_service), call its Analyzer service (analyzer_client), and present a captured run as the engine would send it
(wire). Analyzer calls in the order the CLI makes them: Handshake, ConfigureStack, GetAnalyzerInfo, Configure, then
Remediate and Analyze per resource, then AnalyzeStack (preflight.gate.analysis).
"""
