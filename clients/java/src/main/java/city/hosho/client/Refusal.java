package city.hosho.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.LocalizedMessage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * A refusal from hosho, decoded: the gRPC status, the field it concerns, the stable code to branch
 * on and the Japanese message to show a person. hosho sends them in the standard
 * {@code grpc-status-details-bin} trailer as {@code google.rpc.BadRequest}, {@code ErrorInfo}
 * (domain "hosho") and {@code LocalizedMessage} (ja-JP); see docs/api.md.
 */
public final class Refusal {
  private final Status.Code status;
  private final String field;
  private final String code;
  private final String messageJa;
  private final String detail;
  private final boolean tlsHandshake;

  private Refusal(Status.Code status, String field, String code, String messageJa, String detail,
      boolean tlsHandshake) {
    this.status = status;
    this.field = field;
    this.code = code;
    this.messageJa = messageJa;
    this.detail = detail;
    this.tlsHandshake = tlsHandshake;
  }

  /** Decodes any exception a stub throws; a refusal without hosho's details keeps code "". */
  public static Refusal of(StatusRuntimeException e) {
    String field = "";
    String code = "";
    String messageJa = "";
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    if (details != null) {
      for (Any any : details.getDetailsList()) {
        try {
          if (any.is(BadRequest.class)) {
            BadRequest bad = any.unpack(BadRequest.class);
            if (bad.getFieldViolationsCount() > 0 && field.isEmpty()) {
              field = bad.getFieldViolations(0).getField();
            }
          } else if (any.is(ErrorInfo.class)) {
            code = any.unpack(ErrorInfo.class).getReason();
          } else if (any.is(LocalizedMessage.class)) {
            messageJa = any.unpack(LocalizedMessage.class).getMessage();
          }
        } catch (InvalidProtocolBufferException ignored) {
          // A detail this kit cannot read is skipped; the status and its description remain.
        }
      }
    }
    return new Refusal(e.getStatus().getCode(), field, code, messageJa,
        String.valueOf(e.getStatus().getDescription()), causedByTls(e));
  }

  private static boolean causedByTls(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return true;
      }
      String m = t.getMessage();
      if (m != null && m.toLowerCase(Locale.ROOT).contains("handshake")) {
        return true;
      }
    }
    return false;
  }

  public Status.Code status() {
    return status;
  }

  public String field() {
    return field;
  }

  public String code() {
    return code;
  }

  public String messageJa() {
    return messageJa;
  }

  public String detail() {
    return detail;
  }

  /** True when sending the very same request again may succeed (same client_request_id). */
  public boolean retryable() {
    return (status == Status.Code.UNAVAILABLE || status == Status.Code.DEADLINE_EXCEEDED) && !tlsHandshake;
  }

  /** What a vendor's program should do about it (docs/api.md, "Errors and retries"). */
  public String advice() {
    if (tlsHandshake) {
      return "fix-configuration: the server's certificate is not trusted by the CA file; retrying cannot help";
    }
    switch (status) {
      case UNAVAILABLE:
      case DEADLINE_EXCEEDED:
        return "retry: send the same request again with the same client_request_id, with backoff";
      case UNAUTHENTICATED:
        return "TOKEN_EXPIRED".equals(code)
            ? "renew-token: ask the city for a new token; do not retry with this one"
            : "fix-credential: the token is unknown or missing";
      case PERMISSION_DENIED:
        return "not-allowed: this principal may not do this";
      case RESOURCE_EXHAUSTED:
        return "RATE_LIMITED".equals(code)
            ? "slow-down: wait, then retry the same request"
            : "too-large: split or shrink the request (intake takes at most 16 MiB)";
      case INVALID_ARGUMENT:
      case FAILED_PRECONDITION:
      case NOT_FOUND:
      case ALREADY_EXISTS:
        return "correct-request: show the Japanese message to the person who entered it";
      default:
        return "report: keep the request id and tell the city's operators";
    }
  }
}
