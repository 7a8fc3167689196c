"""What a city system does with hosho, step by step; each step prints one JSON line. Configured from
the environment: HOSHO_INTAKE, HOSHO_CASES, HOSHO_NOTIFICATION (host:port), HOSHO_CA_FILE (the CA
that signed the servers' certificates), HOSHO_TOKEN_FILE (the bearer token the city issued).

  tour   --contract=ID --number=工事番号 --guarantee=NUMBER --key=認証キー --request-id=ID
  submit --contract=ID --guarantee=NUMBER --key=認証キー --request-id=ID [--attempts=N]
  follow --office=CODE [--after=CURSOR]
  large  --contract=ID --request-id=ID
"""

import json
import os
import sys

import grpc

from hosho_client import HoshoClient, Refusal, Targets, domain_pb2, intake_pb2


def state_name(value: int) -> str:
    """A case state's name; a value this kit's stubs do not know yet (a newer hosho) by its number,
    as docs/api-versioning.md asks of clients."""
    try:
        return domain_pb2.CaseState.Name(value)
    except ValueError:
        return str(value)

def emit(**fields: object) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def refusal_fields(step: str, r: Refusal) -> dict:
    return dict(step=step, status=r.status.name, code=r.code, field=r.field, message_ja=r.message_ja,
                retryable=r.retryable, advice=r.advice, detail=r.detail)


def example_contract(contract_id: str, number: str) -> domain_pb2.Contract:
    return domain_pb2.Contract(
        contract_id=contract_id, contract_number=number, project_name="連携キット確認工事",
        project_location="みなと市中央区港町一丁目", ordering_office="contract-division",
        department_in_charge="road-maintenance", work_category=domain_pb2.WORK_CATEGORY_CONSTRUCTION,
        contractor=domain_pb2.Contractor(name="株式会社みなと建設", address="みなと市北区一丁目2-3",
                                         representative="代表取締役 港一郎",
                                         contact_email="keiyaku@minato-kensetsu.example"),
        price_yen=48_000_000, period_start=domain_pb2.Date(year=2026, month=12, day=1),
        period_end=domain_pb2.Date(year=2027, month=3, day=19), beneficiary="みなと市長")


def submission(flags: dict, guarantee_number: str) -> intake_pb2.SubmitGuaranteeRequest:
    return intake_pb2.SubmitGuaranteeRequest(
        client_request_id=flags["request-id"], contract_id=flags["contract"],
        kind=domain_pb2.GUARANTEE_KIND_CONTRACT, issuer_kind=domain_pb2.ISSUER_KIND_SURETY_COMPANY,
        issuer=domain_pb2.ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY,
        d_sure=domain_pb2.DSureCredential(guarantee_number=guarantee_number,
                                          authentication_key=flags.get("key", "")),
        channel=domain_pb2.CHANNEL_API)


def submit(client: HoshoClient, flags: dict, step: str):
    def failed(attempt: int, refusal: Refusal) -> None:
        emit(attempt=attempt, **refusal_fields("attempt", refusal))

    answer, attempts = client.submit_guarantee(submission(flags, flags["guarantee"]),
                                               int(flags.get("attempts", "8")), failed)
    emit(step=step, case_id=answer.case_id, state=state_name(answer.state),
         replayed=answer.replayed, duplicate=answer.duplicate, attempts=attempts)
    return answer


def tour(client: HoshoClient, flags: dict) -> None:
    """Registers a contract, submits a guarantee for it twice, gets a refusal, reads the case."""
    contract = client.upsert_contract(example_contract(flags["contract"], flags["number"]))
    emit(step="contract", contract_id=contract.contract_id, version=contract.version)
    first = submit(client, flags, "submitted")
    again = submit(client, flags, "resubmitted")
    if again.case_id != first.case_id:
        raise RuntimeError("a retry answered another case")
    # The same client_request_id with other content is a mistake hosho names precisely.
    try:
        client.submit_guarantee(submission(flags, flags["guarantee"] + "-other"), max_attempts=1)
        emit(step="reuse", unexpected="accepted")
    except grpc.RpcError as error:
        emit(**refusal_fields("reuse", Refusal.of(error)))
    case = client.get_case(first.case_id)
    emit(step="case", case_id=case.case_id, state=state_name(case.state),
         contract_id=case.contract_id, guarantee_number=case.guarantee_number)
    history = client.get_case_history(first.case_id)
    emit(step="history", case_id=history.case_id, entries=len(history.entries),
         first_to_state=state_name(history.entries[0].to_state) if history.entries else "")


def follow(client: HoshoClient, flags: dict) -> None:
    def reconnecting(cursor: str, why) -> None:
        if why is None:
            emit(step="reconnect", after=cursor, status="OK")
        else:
            emit(after=cursor, **refusal_fields("reconnect", why))

    for n in client.follow_notices(flags["office"], flags.get("after", ""), reconnecting):
        emit(step="notice", cursor=n.cursor, delivery_id=n.notice.delivery_id, case_id=n.notice.case_id,
             kind=n.notice.kind)


def large(client: HoshoClient, flags: dict) -> None:
    """A request larger than intake takes (16 MiB): RESOURCE_EXHAUSTED, shrink it."""
    content = b"%PDF-1.4\n" + bytes((17 << 20) - 9)
    request = submission(flags, "DS-LARGE-1")
    request.uploads.append(domain_pb2.AttachmentUpload(kind=domain_pb2.AttachmentRef.KIND_ORDERER_FORMAT,
                                                       filename="format.pdf", media_type="application/pdf",
                                                       content=content))
    client.submit_guarantee(request, max_attempts=1)
    emit(step="large", unexpected="accepted")


def main(argv: list) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    flags = {}
    for arg in argv[1:]:
        key, _, value = arg.removeprefix("--").partition("=")
        flags[key] = value
    commands = {"tour": tour, "submit": lambda c, f: submit(c, f, "submitted"), "follow": follow, "large": large}
    if argv[0] not in commands:
        print(f"unknown command {argv[0]}", file=sys.stderr)
        return 2
    with open(os.environ["HOSHO_TOKEN_FILE"], encoding="utf-8") as f:
        token = f.read().strip()
    targets = Targets(os.environ["HOSHO_INTAKE"], os.environ["HOSHO_CASES"], os.environ["HOSHO_NOTIFICATION"])
    try:
        with HoshoClient(targets, os.environ["HOSHO_CA_FILE"], token) as client:
            commands[argv[0]](client, flags)
    except grpc.RpcError as error:
        emit(**refusal_fields("refused", Refusal.of(error)))
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
