package city.hosho.client;

import hosho.v1.CaseServiceGrpc;
import hosho.v1.Cases.CaseHistory;
import hosho.v1.Cases.GetCaseRequest;
import hosho.v1.ContractRegistryGrpc;
import hosho.v1.Contracts.UpsertContractRequest;
import hosho.v1.Domain.Case;
import hosho.v1.Domain.Contract;
import hosho.v1.Intake.SubmitGuaranteeRequest;
import hosho.v1.Intake.SubmitGuaranteeResponse;
import hosho.v1.IntakeServiceGrpc;
import hosho.v1.Notification.OfficeNotice;
import hosho.v1.Notification.WatchNotificationsRequest;
import hosho.v1.NotificationServiceGrpc;
import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.io.File;
import java.io.IOException;
import java.util.Iterator;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * hosho over gRPC with TLS and a bearer token: the calls a city system makes, with the retries
 * hosho's API is designed for. One channel per service address (intake, the case API on
 * hosho-console, notification); every call has a deadline.
 */
public final class HoshoClient implements AutoCloseable {
  /** Where each service listens (host:port); the chart's Services, or stack.yaml in development. */
  public record Targets(String intake, String cases, String notification) {}

  /** A submission's answer and how many attempts it took. */
  public record Submitted(SubmitGuaranteeResponse response, int attempts) {}

  /** Told about each failed attempt before the next one (for logs). */
  public interface AttemptListener {
    void failed(int attempt, Refusal refusal);
  }

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final long DEADLINE_SECONDS = 10;

  private final ManagedChannel intake;
  private final ManagedChannel cases;
  private final ManagedChannel notification;
  private final CallCredentials token;

  public HoshoClient(Targets targets, File caFile, String bearerToken) throws IOException {
    ChannelCredentials tls = TlsChannelCredentials.newBuilder().trustManager(caFile).build();
    this.intake = Grpc.newChannelBuilder(targets.intake(), tls).build();
    this.cases = Grpc.newChannelBuilder(targets.cases(), tls).build();
    this.notification = Grpc.newChannelBuilder(targets.notification(), tls).build();
    this.token = new BearerToken(bearerToken);
  }

  public Contract upsertContract(Contract contract) {
    return ContractRegistryGrpc.newBlockingStub(intake).withCallCredentials(token)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .upsertContract(UpsertContractRequest.newBuilder().setContract(contract).build());
  }

  /**
   * Submits once per attempt until hosho answers, resending the very same request (same
   * client_request_id) after UNAVAILABLE or a deadline: hosho answers a retry with the case the
   * first attempt made (replayed = true), so nothing is submitted twice. Any other refusal is
   * thrown at once.
   */
  public Submitted submitGuarantee(SubmitGuaranteeRequest request, int maxAttempts, AttemptListener listener)
      throws InterruptedException {
    long backoffMillis = 200;
    for (int attempt = 1;; ++attempt) {
      try {
        SubmitGuaranteeResponse response = IntakeServiceGrpc.newBlockingStub(intake).withCallCredentials(token)
            .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).submitGuarantee(request);
        return new Submitted(response, attempt);
      } catch (StatusRuntimeException e) {
        Refusal refusal = Refusal.of(e);
        if (!refusal.retryable() || attempt >= maxAttempts) {
          throw e;
        }
        listener.failed(attempt, refusal);
        Thread.sleep(backoffMillis);
        backoffMillis = Math.min(backoffMillis * 2, 2000);
      }
    }
  }

  public Case getCase(String caseId) {
    return CaseServiceGrpc.newBlockingStub(cases).withCallCredentials(token)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .getCase(GetCaseRequest.newBuilder().setCaseId(caseId).build());
  }

  public CaseHistory getCaseHistory(String caseId) {
    return CaseServiceGrpc.newBlockingStub(cases).withCallCredentials(token)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .getCaseHistory(GetCaseRequest.newBuilder().setCaseId(caseId).build());
  }

  /** Told when the notice stream broke and is being opened again from the last cursor. */
  public interface ReconnectListener {
    void reconnecting(String afterCursor, Refusal why);
  }

  /**
   * Follows an office's notices for ever, from a cursor (empty: the oldest kept). When the stream
   * breaks (the server drains for a restart, a network blip) it is opened again from the last
   * cursor received, so every notice arrives once, in order. Returns only on a refusal that a
   * retry cannot fix (thrown) or when the thread is interrupted.
   */
  public void followNotices(String office, String afterCursor, Consumer<OfficeNotice> onNotice,
      ReconnectListener onReconnect) throws InterruptedException {
    String cursor = afterCursor;
    long backoffMillis = 200;
    while (!Thread.currentThread().isInterrupted()) {
      Context.CancellableContext call = Context.current().withCancellation();
      try {
        Context previous = call.attach();
        try {
          Iterator<OfficeNotice> stream = NotificationServiceGrpc.newBlockingStub(notification)
              .withCallCredentials(token)
              .watchNotifications(WatchNotificationsRequest.newBuilder().setOffice(office)
                  .setAfterCursor(cursor).build());
          while (stream.hasNext()) {
            OfficeNotice notice = stream.next();
            cursor = notice.getCursor();
            backoffMillis = 200;
            onNotice.accept(notice);
          }
        } finally {
          call.detach(previous);
        }
        onReconnect.reconnecting(cursor, null);  // the server ended the stream without an error
      } catch (StatusRuntimeException e) {
        Refusal refusal = Refusal.of(e);
        if (!refusal.retryable()) {
          throw e;
        }
        onReconnect.reconnecting(cursor, refusal);
      } finally {
        call.cancel(null);
      }
      Thread.sleep(backoffMillis);
      backoffMillis = Math.min(backoffMillis * 2, 2000);
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel c : new ManagedChannel[] {intake, cases, notification}) {
      c.shutdown();
      c.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * The bearer token on every call ("authorization: Bearer ..."): public so that a vendor's own stubs
   * for the services this class does not wrap use the very same credentials (docs/ja/連携ガイド.md).
   */
  public static final class BearerToken extends CallCredentials {
    private final String value;

    public BearerToken(String token) {
      this.value = "Bearer " + token;
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, value);
      applier.apply(headers);
    }
  }
}
