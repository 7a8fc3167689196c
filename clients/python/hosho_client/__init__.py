"""hosho over gRPC with TLS and a bearer token: the calls a city system makes, with the retries
hosho's API is designed for (docs/api.md). Stubs are generated from proto/ into ``hosho_client/gen``
by ``python generate.py``."""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from typing import Callable, Iterator, Optional

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

__version__ = "1.0.0"  # the API release these stubs were made for (docs/api-versioning.md)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "gen"))

from hosho.v1 import cases_pb2, cases_pb2_grpc  # noqa: E402
from hosho.v1 import contracts_pb2, contracts_pb2_grpc  # noqa: E402
from hosho.v1 import domain_pb2  # noqa: E402
from hosho.v1 import intake_pb2, intake_pb2_grpc  # noqa: E402
from hosho.v1 import notification_pb2, notification_pb2_grpc  # noqa: E402

DEADLINE_SECONDS = 10.0
_RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


@dataclasses.dataclass(frozen=True)
class Refusal:
    """A refusal from hosho, decoded: the gRPC status, the field it concerns, the stable code to
    branch on and the Japanese message to show a person (google.rpc.BadRequest, ErrorInfo and
    LocalizedMessage in the grpc-status-details-bin trailer)."""

    status: grpc.StatusCode
    field: str
    code: str
    message_ja: str
    detail: str
    tls_handshake: bool

    @staticmethod
    def of(error: grpc.RpcError) -> "Refusal":
        field = code = message_ja = ""
        details = rpc_status.from_call(error) if isinstance(error, grpc.Call) else None
        for any_detail in details.details if details is not None else []:
            if any_detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                any_detail.Unpack(bad)
                if bad.field_violations and not field:
                    field = bad.field_violations[0].field
            elif any_detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                any_detail.Unpack(info)
                code = info.reason
            elif any_detail.Is(error_details_pb2.LocalizedMessage.DESCRIPTOR):
                localized = error_details_pb2.LocalizedMessage()
                any_detail.Unpack(localized)
                message_ja = localized.message
        detail = (error.details() or "") if isinstance(error, grpc.Call) else str(error)
        return Refusal(error.code(), field, code, message_ja, detail, "handshake" in detail.lower())

    @property
    def retryable(self) -> bool:
        """True when sending the very same request again may succeed (same client_request_id)."""
        return self.status in _RETRYABLE and not self.tls_handshake

    @property
    def advice(self) -> str:
        """What a vendor's program should do about it (docs/api.md, errors and retries)."""
        if self.tls_handshake:
            return "fix-configuration: the server's certificate is not trusted by the CA file; retrying cannot help"
        if self.status in _RETRYABLE:
            return "retry: send the same request again with the same client_request_id, with backoff"
        if self.status == grpc.StatusCode.UNAUTHENTICATED:
            if self.code == "TOKEN_EXPIRED":
                return "renew-token: ask the city for a new token; do not retry with this one"
            return "fix-credential: the token is unknown or missing"
        if self.status == grpc.StatusCode.PERMISSION_DENIED:
            return "not-allowed: this principal may not do this"
        if self.status == grpc.StatusCode.RESOURCE_EXHAUSTED:
            if self.code == "RATE_LIMITED":
                return "slow-down: wait, then retry the same request"
            return "too-large: split or shrink the request (intake takes at most 16 MiB)"
        if self.status in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION,
                           grpc.StatusCode.NOT_FOUND, grpc.StatusCode.ALREADY_EXISTS):
            return "correct-request: show the Japanese message to the person who entered it"
        return "report: keep the request id and tell the city's operators"


@dataclasses.dataclass(frozen=True)
class Targets:
    """Where each service listens (host:port): the chart's Services, or stack.yaml in development."""

    intake: str
    cases: str
    notification: str


class HoshoClient:
    """One TLS channel per service address; every call carries the bearer token and a deadline."""

    def __init__(self, targets: Targets, ca_file: str, token: str) -> None:
        with open(ca_file, "rb") as f:
            tls = grpc.ssl_channel_credentials(root_certificates=f.read())
        credentials = grpc.composite_channel_credentials(tls, grpc.access_token_call_credentials(token))
        self._channels = [grpc.secure_channel(t, credentials)
                          for t in (targets.intake, targets.cases, targets.notification)]
        intake, cases, notification = self._channels
        self._intake = intake_pb2_grpc.IntakeServiceStub(intake)
        self._contracts = contracts_pb2_grpc.ContractRegistryStub(intake)
        self._cases = cases_pb2_grpc.CaseServiceStub(cases)
        self._notifications = notification_pb2_grpc.NotificationServiceStub(notification)

    def close(self) -> None:
        for channel in self._channels:
            channel.close()

    def __enter__(self) -> "HoshoClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def upsert_contract(self, contract: domain_pb2.Contract) -> domain_pb2.Contract:
        return self._contracts.UpsertContract(contracts_pb2.UpsertContractRequest(contract=contract),
                                              timeout=DEADLINE_SECONDS)

    def submit_guarantee(self, request: intake_pb2.SubmitGuaranteeRequest, max_attempts: int = 8,
                         on_failed_attempt: Callable[[int, Refusal], None] = lambda n, r: None
                         ) -> tuple[intake_pb2.SubmitGuaranteeResponse, int]:
        """Sends the very same request (same client_request_id) again after UNAVAILABLE or a
        deadline: hosho answers a retry with the case the first attempt made (replayed = True), so
        nothing is submitted twice. Any other refusal is raised at once. Returns (answer, attempts)."""
        backoff = 0.2
        attempt = 1
        while True:
            try:
                return self._intake.SubmitGuarantee(request, timeout=DEADLINE_SECONDS), attempt
            except grpc.RpcError as error:
                refusal = Refusal.of(error)
                if not refusal.retryable or attempt >= max_attempts:
                    raise
                on_failed_attempt(attempt, refusal)
                time.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                attempt += 1

    def get_case(self, case_id: str) -> domain_pb2.Case:
        return self._cases.GetCase(cases_pb2.GetCaseRequest(case_id=case_id), timeout=DEADLINE_SECONDS)

    def get_case_history(self, case_id: str) -> cases_pb2.CaseHistory:
        return self._cases.GetCaseHistory(cases_pb2.GetCaseRequest(case_id=case_id), timeout=DEADLINE_SECONDS)

    def follow_notices(self, office: str, after_cursor: str = "",
                       on_reconnect: Callable[[str, Optional[Refusal]], None] = lambda c, r: None
                       ) -> Iterator[notification_pb2.OfficeNotice]:
        """An office's notices for ever, from a cursor (empty: the oldest kept). When the stream
        breaks (the server drains for a restart, a network blip) it is opened again from the last
        cursor received, so every notice arrives once, in order. Raises on a refusal a retry cannot fix."""
        cursor = after_cursor
        backoff = 0.2
        while True:
            stream = self._notifications.WatchNotifications(
                notification_pb2.WatchNotificationsRequest(office=office, after_cursor=cursor))
            try:
                for notice in stream:
                    cursor = notice.cursor
                    backoff = 0.2
                    yield notice
                on_reconnect(cursor, None)  # the server ended the stream without an error
            except grpc.RpcError as error:
                refusal = Refusal.of(error)
                if not refusal.retryable:
                    raise
                on_reconnect(cursor, refusal)
            finally:
                stream.cancel()
            time.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
