"""An Analyzer that answers every Remediate and Analyze with an empty response, served as pulumi_policy serves a pack
(a synchronous gRPC server, four worker threads, on 127.0.0.1): gate_bench.py times the gRPC transport alone with it.

Prints its port as the first line of stdout, as a pack does, and serves until killed.
"""

from __future__ import annotations

from concurrent import futures

import grpc
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc


class NullAnalyzer(analyzer_pb2_grpc.AnalyzerServicer):
    """Empty answers: what is left is the transport."""

    def Analyze(self, request: analyzer_pb2.AnalyzeRequest, context: object) -> analyzer_pb2.AnalyzeResponse:
        return analyzer_pb2.AnalyzeResponse()

    def Remediate(self, request: analyzer_pb2.AnalyzeRequest, context: object) -> analyzer_pb2.RemediateResponse:
        return analyzer_pb2.RemediateResponse()


def main() -> None:
    # pulumi_policy/policy.py, PolicyPack.__init__: the same executor size.
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(NullAnalyzer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
