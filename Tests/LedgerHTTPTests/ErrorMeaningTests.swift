import Hummingbird
import HummingbirdTesting
@testable import LedgerHTTP
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// Whether an error can pass decides the answer: 503 with Retry-After for
/// storage trouble that passes, 500 for a database an operator must act on
/// (never "retry later"), and readiness that a damaged database cannot win back.
@Suite struct ErrorMeaningTests {
    @Test(arguments: [
        (StoreError.storageUnavailable("disk full"), HTTPResponse.Status.serviceUnavailable, true),
        (.corrupt("database disk image is malformed"), .internalServerError, false),
        (.notALedger(path: "/x.sqlite", tables: ["users"]), .internalServerError, false),
        (.newerLedger(path: "/x.sqlite", migrations: ["v9"]), .internalServerError, false),
        (.cannotOpen(path: "/x", detail: "it is a folder"), .internalServerError, false),
        (.durabilityNotApplied(expected: "2", actual: "1"), .internalServerError, false),
        (.invalidRequest("no"), .badRequest, false),
        (.unexpected("a defect"), .internalServerError, false),
    ])
    func storeErrorsAreAnsweredByTheirMeaning(_ error: StoreError, _ status: HTTPResponse.Status, _ retryLater: Bool) {
        let problem = Problem(error)
        #expect(problem.status == status)
        #expect((problem.retryAfterSeconds != nil) == retryLater && error.isTransient == retryLater)
        if status.code >= 500 { #expect(problem.logReason == error.description, "the reason reaches the log") }
        #expect(!problem.detail.contains("/x"), "no internals in the answer")
    }

    @Test func aDamagedDatabaseStaysNotReadyWhateverSucceedsLater() {
        let readiness = Readiness()
        readiness.storageFailed("disk full")
        readiness.storageSucceeded()
        #expect(readiness.isReady, "storage trouble that passed")
        readiness.storageFailed("database disk image is malformed", lasting: true)
        readiness.storageSucceeded()
        #expect(!readiness.isReady && readiness.storageFailure == "database disk image is malformed")
    }

    /// `ledger_ready` says what `/readyz` said: a probe refused (the database
    /// under its free-space reserve) stays "not ready" while webhook writes
    /// that still fit succeed, until a probe passes (the metric read 1 while
    /// `/readyz` answered 503, so an alert on it missed a filling disk).
    @Test func aRefusedProbeIsClearedOnlyByAProbe() {
        let readiness = Readiness()
        readiness.probeFailed("7548928 bytes left, under the 8388608-byte reserve")
        readiness.storageSucceeded()
        #expect(!readiness.isReady && readiness.storageFailure?.contains("reserve") == true)
        readiness.probeSucceeded()
        #expect(readiness.isReady)
    }

    /// A probe's refusal counts for a while only: an orchestrator that probed
    /// once during trouble and then stopped must not leave `ledger_ready` at 0.
    @Test func aRefusedProbeCountsForAWhileOnly() async throws {
        let readiness = Readiness(probeFailureLasts: .milliseconds(100))
        readiness.probeFailed("7548928 bytes left, under the 8388608-byte reserve")
        #expect(!readiness.isReady)
        try await Task.sleep(for: .milliseconds(200))
        #expect(readiness.isReady && readiness.storageFailure == nil)
    }

    /// Once shutdown begins (serve's ShutdownGate calls this on SIGTERM), the
    /// load balancer is told at once: /readyz 503 "shutting down", ledger_ready 0,
    /// while the database itself is fine.
    @Test func readinessIsWithdrawnWhenShutdownBegins() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: JobRoutesTests.keys))
        try await Application(router: buildRouter(services)).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            services.readiness.shutdownBegan()
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable && response.headers[.retryAfter] == "5")
                #expect(String(buffer: response.body).contains("shutting down"))
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(String(buffer: response.body).contains("\nledger_ready 0"))
            }
        }
        await store.close()
    }
}
