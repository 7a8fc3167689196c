package city.hosho.client;

import hosho.v1.Cases.CaseHistory;
import hosho.v1.Domain.AttachmentRef;
import hosho.v1.Domain.AttachmentUpload;
import hosho.v1.Domain.Case;
import hosho.v1.Domain.CaseState;
import hosho.v1.Domain.Channel;
import hosho.v1.Domain.Contract;
import hosho.v1.Domain.Contractor;
import hosho.v1.Domain.DSureCredential;
import hosho.v1.Domain.Date;
import hosho.v1.Domain.GuaranteeKind;
import hosho.v1.Domain.Issuer;
import hosho.v1.Domain.IssuerKind;
import hosho.v1.Domain.WorkCategory;
import hosho.v1.Intake.SubmitGuaranteeRequest;
import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a city system does with hosho, step by step; each step prints one JSON line. Configured
 * from the environment: HOSHO_INTAKE, HOSHO_CASES, HOSHO_NOTIFICATION (host:port),
 * HOSHO_CA_FILE (the CA that signed the servers' certificates), HOSHO_TOKEN_FILE (the bearer
 * token the city issued). See README.md.
 *
 * <pre>
 *   tour   --contract=ID --number=工事番号 --guarantee=NUMBER --key=認証キー --request-id=ID
 *   submit --contract=ID --guarantee=NUMBER --key=認証キー --request-id=ID [--attempts=N]
 *   follow --office=CODE [--after=CURSOR]
 *   large  --contract=ID --request-id=ID
 * </pre>
 */
public final class Example {
  private Example() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: java -jar hosho-client-all.jar tour|submit|follow|large --flag=value ...");
      System.exit(2);
    }
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 1; i < args.length; ++i) {
      String[] kv = args[i].replaceFirst("^--", "").split("=", 2);
      flags.put(kv[0], kv.length > 1 ? kv[1] : "");
    }
    HoshoClient.Targets targets = new HoshoClient.Targets(System.getenv("HOSHO_INTAKE"),
        System.getenv("HOSHO_CASES"), System.getenv("HOSHO_NOTIFICATION"));
    String token = Files.readString(Path.of(System.getenv("HOSHO_TOKEN_FILE")), StandardCharsets.UTF_8).strip();
    int exit = 0;
    try (HoshoClient client = new HoshoClient(targets, new File(System.getenv("HOSHO_CA_FILE")), token)) {
      switch (args[0]) {
        case "tour" -> tour(client, flags);
        case "submit" -> submit(client, flags, "submitted");
        case "follow" -> follow(client, flags);
        case "large" -> large(client, flags);
        default -> {
          System.err.println("unknown command " + args[0]);
          exit = 2;
        }
      }
    } catch (StatusRuntimeException e) {
      print(refusalLine("refused", Refusal.of(e)));
      exit = 3;
    }
    System.exit(exit);
  }

  /** Registers a contract, submits a guarantee for it twice, gets a refusal, reads the case. */
  private static void tour(HoshoClient client, Map<String, String> f) throws InterruptedException {
    Contract contract = client.upsertContract(exampleContract(f.get("contract"), f.get("number")));
    print(line("step", "contract", "contract_id", contract.getContractId(), "version", contract.getVersion()));

    HoshoClient.Submitted first = submit(client, f, "submitted");
    HoshoClient.Submitted again = submit(client, f, "resubmitted");
    if (!again.response().getCaseId().equals(first.response().getCaseId())) {
      throw new IllegalStateException("a retry answered another case");
    }
    // The same client_request_id with other content is a mistake hosho names precisely.
    try {
      client.submitGuarantee(submission(f, f.get("guarantee") + "-other"), 1, (n, r) -> {});
      print(line("step", "reuse", "unexpected", "accepted"));
    } catch (StatusRuntimeException e) {
      print(refusalLine("reuse", Refusal.of(e)));
    }

    String caseId = first.response().getCaseId();
    Case found = client.getCase(caseId);
    print(line("step", "case", "case_id", found.getCaseId(), "state", stateName(found.getStateValue()), "contract_id",
        found.getContractId(), "guarantee_number", found.getGuaranteeNumber()));
    CaseHistory history = client.getCaseHistory(caseId);
    print(line("step", "history", "case_id", history.getCaseId(), "entries", history.getEntriesCount(),
        "first_to_state", history.getEntriesCount() > 0 ? stateName(history.getEntries(0).getToStateValue()) : ""));
  }

  private static HoshoClient.Submitted submit(HoshoClient client, Map<String, String> f, String step)
      throws InterruptedException {
    int attempts = Integer.parseInt(f.getOrDefault("attempts", "8"));
    HoshoClient.Submitted s = client.submitGuarantee(submission(f, f.get("guarantee")), attempts,
        (n, refusal) -> print(refusalLine("attempt", refusal).replaceFirst("\\{", "{\"attempt\":" + n + ",")));
    print(line("step", step, "case_id", s.response().getCaseId(), "state", stateName(s.response().getStateValue()),
        "replayed", s.response().getReplayed(), "duplicate", s.response().getDuplicate(), "attempts",
        s.attempts()));
    return s;
  }

  private static void follow(HoshoClient client, Map<String, String> f) throws InterruptedException {
    client.followNotices(f.get("office"), f.getOrDefault("after", ""),
        n -> print(line("step", "notice", "cursor", n.getCursor(), "delivery_id", n.getNotice().getDeliveryId(),
            "case_id", n.getNotice().getCaseId(), "kind", n.getNotice().getKind())),
        (cursor, why) -> print(why == null ? line("step", "reconnect", "after", cursor, "status", "OK")
            : refusalLine("reconnect", why).replaceFirst("\\{", "{\"after\":\"" + json(cursor) + "\",")));
  }

  /** A request larger than intake takes (16 MiB): RESOURCE_EXHAUSTED, shrink it. */
  private static void large(HoshoClient client, Map<String, String> f) throws InterruptedException {
    byte[] pdf = new byte[17 << 20];
    byte[] header = "%PDF-1.4\n".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(header, 0, pdf, 0, header.length);
    SubmitGuaranteeRequest request = submission(f, "DS-LARGE-1").toBuilder()
        .addUploads(AttachmentUpload.newBuilder().setKind(AttachmentRef.Kind.KIND_ORDERER_FORMAT)
            .setFilename("format.pdf").setMediaType("application/pdf").setContent(ByteString.copyFrom(pdf)))
        .build();
    client.submitGuarantee(request, 1, (n, r) -> {});
    print(line("step", "large", "unexpected", "accepted"));
  }

  static Contract exampleContract(String id, String number) {
    return Contract.newBuilder().setContractId(id).setContractNumber(number)
        .setProjectName("連携キット確認工事").setProjectLocation("みなと市中央区港町一丁目")
        .setOrderingOffice("contract-division").setDepartmentInCharge("road-maintenance")
        .setWorkCategory(WorkCategory.WORK_CATEGORY_CONSTRUCTION)
        .setContractor(Contractor.newBuilder().setName("株式会社みなと建設").setAddress("みなと市北区一丁目2-3")
            .setRepresentative("代表取締役 港一郎").setContactEmail("keiyaku@minato-kensetsu.example"))
        .setPriceYen(48_000_000).setPeriodStart(date(2026, 12, 1)).setPeriodEnd(date(2027, 3, 19))
        .setBeneficiary("みなと市長").build();
  }

  static SubmitGuaranteeRequest submission(Map<String, String> f, String guaranteeNumber) {
    return SubmitGuaranteeRequest.newBuilder().setClientRequestId(f.get("request-id"))
        .setContractId(f.get("contract")).setKind(GuaranteeKind.GUARANTEE_KIND_CONTRACT)
        .setIssuerKind(IssuerKind.ISSUER_KIND_SURETY_COMPANY).setIssuer(Issuer.ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY)
        .setDSure(DSureCredential.newBuilder().setGuaranteeNumber(guaranteeNumber)
            .setAuthenticationKey(f.getOrDefault("key", "")))
        .setChannel(Channel.CHANNEL_API).build();
  }

  private static Date date(int y, int m, int d) {
    return Date.newBuilder().setYear(y).setMonth(m).setDay(d).build();
  }

  private static String refusalLine(String step, Refusal r) {
    return line("step", step, "status", r.status().name(), "code", r.code(), "field", r.field(), "message_ja",
        r.messageJa(), "retryable", r.retryable(), "advice", r.advice(), "detail", r.detail());
  }

  private static synchronized void print(String jsonLine) {
    System.out.println(jsonLine);
    System.out.flush();
  }

  /**
   * A case state's name; a value these stubs do not know yet (a newer hosho) by its number, as
   * docs/api-versioning.md asks of clients (forNumber gives null there, name() would say UNRECOGNIZED).
   */
  static String stateName(int value) {
    CaseState state = CaseState.forNumber(value);
    return state == null ? Integer.toString(value) : state.name();
  }

  /** One flat JSON object from key, value pairs (strings quoted, numbers and booleans bare). */
  private static String line(Object... kv) {
    StringBuilder out = new StringBuilder("{");
    for (int i = 0; i + 1 < kv.length; i += 2) {
      if (i > 0) {
        out.append(',');
      }
      out.append('"').append(json(kv[i].toString())).append("\":");
      Object v = kv[i + 1];
      if (v instanceof Number || v instanceof Boolean) {
        out.append(v);
      } else {
        out.append('"').append(json(String.valueOf(v))).append('"');
      }
    }
    return out.append('}').toString();
  }

  private static String json(String s) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }

}
